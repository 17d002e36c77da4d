/**
 * The page's one engine (engine.ts), created once: the one place that reads `?backend=` from the URL,
 * fills the header badge, and verifies GPU runs against the float64 reference. tfjs has one active backend
 * per page, so every component of a page shares this engine. Where the work would block the page — the
 * float64 reference, tfjs's CPU backend — it runs in a Web Worker (engine/worker-engine.ts); WebGPU and
 * WebGL2 run on the page, their work on the GPU.
 *   ?backend=webgpu|webgl   that backend first, then down the list
 *   ?backend=cpu            tfjs's CPU backend, in a worker
 *   ?backend=reference      the float64 reference, in a worker
 * Without a working GPU backend — a software renderer such as SwiftShader counts as none, unless asked for —
 * the page falls back to the CPU backend in a worker, then the reference.
 */
import { BACKENDS, type BackendName, type Engine, type ModelOptions, type ModelRun } from "../engine/engine.js";
import type { GpuBackendName } from "../engine/gpu/backend.js";
import type { EngineStats } from "../engine/gpu/engine.js";
import { referenceCalls } from "../engine/reference-calls.js";
import { modelRunDifferences, worstDifference, type FieldDifference } from "../engine/run-difference.js";
import type { MambaModel } from "../engine/types.js";
import { workerEngine, type WorkerEngine } from "../engine/worker-engine.js";
import { showBackend } from "./backend-badge.js";

/** The backend the URL asks for, or undefined (the best available) when absent or not one of ours. */
export function requestedBackend(search: string = location.search): BackendName | undefined {
  const value = new URLSearchParams(search).get("backend")?.trim().toLowerCase();
  return BACKENDS.find((name) => name === value);
}

/** The tfjs backend the URL asks for (for benchmark and test pages that drive tfjs themselves), or undefined. */
export function requestedTfjsBackend(search: string = location.search): GpuBackendName | undefined {
  const requested = requestedBackend(search);
  return requested === "reference" ? undefined : requested;
}

/** A worker hosting the reference or tfjs's CPU backend (engine/engine-worker.ts). */
function startWorker(backend: "reference" | "cpu", note: string): Promise<WorkerEngine> {
  const url = new URL(import.meta.resolve("../engine/engine-worker.js"));
  url.searchParams.set("backend", backend);
  return workerEngine(new Worker(url, { type: "module" }), note);
}

/**
 * tfjs and the GPU engine, imported on first use rather than with the page: tfjs's three backends are most
 * of a page's JavaScript, and a page's first figures need none of it.
 */
const tfjsEngine = () => import("../engine/gpu/engine.js");

let created: Promise<Engine> | undefined;
/** The float64 reference in a worker, for the verifier (and the rules no GPU kernel runs); started on first use. */
let referenceWorker: Promise<WorkerEngine> | undefined;
/** Requests to the reference worker, by purpose, for the diagnostics. */
const referenceRequests = { verify: 0, rules: 0 };

/**
 * The page's engine; the first call creates it and fills the badge. When it runs in a worker, the page's
 * own tfjs (small figures such as chapter 3's convolutions) runs on tfjs's CPU backend too, so nothing on
 * the page silently picks another backend.
 */
export function pageEngine(): Promise<Engine> {
  created ??= createPageEngine().then(async (engine) => {
    const { engineStats, setPageTfjsBackend } = await tfjsEngine();
    if (engine.backend === "cpu" || engine.backend === "reference") await setPageTfjsBackend("cpu");
    showBackend(engine);
    installDiagnostics(engine, engineStats);
    return engine;
  });
  return created;
}

async function createPageEngine(): Promise<Engine> {
  const requested = requestedBackend();
  if (requested === "reference") return (referenceWorker = startWorker("reference", "; requested with ?backend=reference, in a worker"));
  if (requested === "cpu") return startWorker("cpu", "; requested with ?backend=cpu, in a worker so the page stays responsive");
  try {
    return await (await tfjsEngine()).createGpuEngine(requested, ["webgpu", "webgl"], true);
  } catch (error) {
    const why = `; no GPU backend: ${error instanceof Error ? error.message : String(error)}`;
    try {
      return await startWorker("cpu", `, in a worker${why}`);
    } catch {
      return (referenceWorker = startWorker("reference", `, in a worker${why}; tfjs's CPU backend did not start either`));
    }
  }
}

/** The reference worker, started on first use (it is the page's engine under ?backend=reference). */
function reference(): Promise<WorkerEngine> {
  referenceWorker ??= startWorker("reference", "");
  return referenceWorker;
}

/**
 * The largest difference between a run on the page's backend and the float64 reference's run of the same
 * model, ids and options, field by field (engine/run-difference.ts): the verifier, the one place where the
 * reference runs beside a GPU run. The reference runs in a worker, so call this after the figures are
 * drawn. Undefined when the page's engine is the reference itself.
 */
export async function verifyModelRun(model: MambaModel, ids: readonly (readonly number[])[], options: ModelOptions, run: ModelRun): Promise<FieldDifference | undefined> {
  const engine = await pageEngine();
  if (engine.backend === "reference") return undefined;
  referenceRequests.verify++;
  const expected = await (await reference()).runModel(model, ids, options);
  return worstDifference(modelRunDifferences(run, expected));
}

/**
 * A model run under a discretisation rule the tfjs kernels do not have ("euler", "bilinear"): computed by
 * the float64 reference, in its worker. Pages say so where they show it.
 */
export async function runWithReferenceRule(model: MambaModel, ids: readonly (readonly number[])[], options: ModelOptions): Promise<ModelRun> {
  referenceRequests.rules++;
  return (await reference()).runModel(model, ids, options);
}

/** What `__mambaReferenceCalls()` returns: float64 block forwards on the page and in the reference worker, and the requests that worker was sent. */
export interface ReferenceCallCounts {
  page: number;
  worker: number;
  verify: number;
  rules: number;
}

/**
 * Read-only diagnostics for soak tests and curious readers (docs/reliability.md): tfjs lives inside the
 * page's bundles, so these are the only way to see whether tensors leak while sliders move, and where the
 * float64 reference ran.
 */
function installDiagnostics(engine: Engine, engineStats: () => EngineStats): void {
  const scope = globalThis as { __mambaEngineStats?: () => EngineStats & { engine: BackendName }; __mambaReferenceCalls?: () => Promise<ReferenceCallCounts> };
  scope.__mambaEngineStats = () => ({ ...engineStats(), engine: engine.backend });
  scope.__mambaReferenceCalls = async () => ({ page: referenceCalls(), worker: referenceWorker ? (await referenceWorker).referenceCalls() : 0, ...referenceRequests });
}
