/**
 * Choosing the tfjs backend: WebGPU if an adapter exists, else WebGL2, else the CPU, or the one the
 * caller asks for (pages: components/page-engine.ts reads `?backend=` from the URL). A backend is only
 * used once its fused scan has reproduced the float64 reference on a small probe; otherwise the engine
 * falls back to the next one and keeps the reason, in words, for the badge in the header.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { randomScanCase } from "../scan-case.js";
import { BACKEND_LABELS, type BackendName } from "../engine.js";
import { selectiveScan } from "../selective-scan.js";
import type { BRule, SelectiveScanInputs } from "../types.js";
import { fusedScan, unpackScanArrays, webgpuScanKernel } from "./fused-scan.js";
import { packedOffsets, sizesOf } from "./layout.js";
import { maxRelativeError } from "./relative-error.js";

/** The tfjs backends, in order of preference. */
export type GpuBackendName = Exclude<BackendName, "reference">;
export const GPU_BACKENDS: readonly GpuBackendName[] = ["webgpu", "webgl", "cpu"];

/** The tolerance of the golden README for float32 implementations. */
export const PROBE_TOLERANCE = 1e-4;

/** tfjs's settings for the engine, set once before the first backend starts. */
function configureTfjs(): void {
  // Without these, tfjs silently runs small tensors on the CPU, so a probe would not test the GPU kernels.
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  tf.env().set("WEBGL_CPU_FORWARD", false);
}

export interface BackendChoice {
  backend: GpuBackendName;
  /** One or two sentences for readers: what runs, and why not something faster. */
  reason: string;
}

/**
 * Activates the first of `candidates` (by default from `requested`, or WebGPU, down the preference
 * list) whose fused scan passes the probe. The CPU is the last resort and is always accepted. With
 * `hardwareOnly`, a backend other than the requested one is skipped when it would run on a software
 * renderer (a page then runs the CPU backend instead).
 */
export async function chooseBackend(
  requested?: GpuBackendName,
  candidates: readonly GpuBackendName[] = GPU_BACKENDS,
  hardwareOnly = false,
): Promise<BackendChoice> {
  if (requested) candidates = candidates.slice(Math.max(0, candidates.indexOf(requested)));
  configureTfjs();
  const rejected: string[] = [];
  for (const name of candidates) {
    const problem = hardwareOnly && name !== requested ? ((await softwareRenderer(name)) ?? (await tryBackend(name))) : await tryBackend(name);
    if (problem === undefined) {
      const prefix = requested && requested === name ? "requested; " : "";
      const why = rejected.length > 0 ? `; not used: ${rejected.join("; ")}` : "";
      const kernel = name === "webgpu" ? ` (${webgpuScanKernel()} scan kernel)` : "";
      return { backend: name, reason: `${BACKEND_LABELS[name]}${kernel}: ${prefix}fused scan matches the float64 reference${why}` };
    }
    rejected.push(`${BACKEND_LABELS[name]} (${problem})`);
  }
  throw new Error(`no tfjs backend could run the engine: ${rejected.join("; ")}`);
}

/** Undefined when `name` is active and its fused scan passes the probe, else what went wrong. */
async function tryBackend(name: GpuBackendName): Promise<string | undefined> {
  try {
    const unavailable = await unavailability(name);
    if (unavailable) return unavailable;
    if (!(await tf.setBackend(name))) return "tfjs could not initialise it";
    await tf.ready();
    const error = await probeFusedScan();
    return error > PROBE_TOLERANCE || Number.isNaN(error)
      ? `fused scan disagrees with the float64 reference: max relative error ${error.toExponential(1)} > ${PROBE_TOLERANCE}`
      : undefined;
  } catch (error) {
    return `fused scan failed: ${firstLine(error)}`;
  }
}

/**
 * Why `name` would run on a software renderer (SwiftShader, llvmpipe: a "GPU" emulated on the CPU cores,
 * where a whole model runs many times slower than tfjs's CPU backend), or undefined for real hardware.
 */
async function softwareRenderer(name: GpuBackendName): Promise<string | undefined> {
  const software = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;
  const why = (what: string) => `a software renderer (${what}), slower here than the CPU backend`;
  if (name === "webgpu") {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    const adapter = gpu ? await webgpuAdapter(gpu) : null;
    if (!adapter) return undefined;
    const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean } }).info ?? {};
    const text = `${info.vendor ?? ""} ${info.architecture ?? ""} ${info.description ?? ""}`.trim();
    return info.isFallbackAdapter || software.test(text) ? why(text || "a fallback adapter") : undefined;
  }
  if (name === "webgl") {
    if (typeof document === "undefined" && typeof OffscreenCanvas === "undefined") return undefined;
    const canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(1, 1) : document.createElement("canvas");
    const gl = canvas.getContext("webgl2") as WebGL2RenderingContext | null;
    if (!gl) return undefined;
    const debug = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return software.test(renderer) ? why(renderer) : undefined;
  }
  return undefined;
}

/** How long to wait before asking for a WebGPU adapter a second time. */
const ADAPTER_RETRY_MS = 1000;

/**
 * The WebGPU adapter, asked for twice: right after a page loads, Chromium on a real NVIDIA GPU answered
 * the first request with null in every run we made, and a request about a second later succeeded.
 */
async function webgpuAdapter(gpu: GPU): Promise<GPUAdapter | null> {
  const first = await gpu.requestAdapter();
  if (first) return first;
  await new Promise((wake) => setTimeout(wake, ADAPTER_RETRY_MS));
  return gpu.requestAdapter();
}

/** Checks that need no tfjs backend (so no warning is logged for a browser that simply lacks one). */
async function unavailability(name: GpuBackendName): Promise<string | undefined> {
  if (name === "webgpu") {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) return "this browser has no WebGPU";
    if (!(await webgpuAdapter(gpu))) return "no WebGPU adapter";
  }
  if (name === "webgl") {
    if (typeof document === "undefined" && typeof OffscreenCanvas === "undefined") return "no canvas to draw on";
    const canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(1, 1) : document.createElement("canvas");
    if (!canvas.getContext("webgl2")) return "no WebGL2 context";
  }
  return undefined;
}

/**
 * Runs the active backend's fused scan on a small random case with both B rules, a gate and a skip,
 * sizes that are not multiples of any chunk or workgroup, and returns the worst relative error
 * against the float64 reference over out, y and the final state. WebGPU validation errors, which
 * tfjs would only log, are caught and rethrown.
 */
export async function probeFusedScan(): Promise<number> {
  const device = tf.getBackend() === "webgpu" ? (tf.backend() as WebGPUBackend).device : undefined;
  device?.pushErrorScope("validation");
  let worst = 0;
  for (const rule of ["mamba", "zoh"] as BRule[]) {
    const inputs = probeCase(rule);
    const offsets = packedOffsets(sizesOf(inputs), true);
    const packed = tf.tidy(() => {
      const tensor = (values: ArrayLike<number>) => tf.tensor1d(Float32Array.from(values));
      return fusedScan(
        { u: tensor(inputs.u), delta: tensor(inputs.delta), A: tensor(inputs.A), B: tensor(inputs.B), C: tensor(inputs.C), D: tensor(inputs.D!), z: tensor(inputs.z!) },
        sizesOf(inputs),
        "channels-first",
        rule,
        true,
      );
    });
    const values = (await packed.data()) as Float32Array;
    packed.dispose();
    const got = unpackScanArrays(values, offsets);
    const expected = selectiveScan(inputs);
    worst = Math.max(
      worst,
      maxRelativeError(got.out, expected.yGated),
      maxRelativeError(got.raw!, expected.y),
      maxRelativeError(got.finalState, expected.finalState),
    );
  }
  const validation = await device?.popErrorScope();
  if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);
  return worst;
}

/** The probe: sizes that are no multiple of any chunk or workgroup, with a gate. */
function probeCase(rule: BRule): SelectiveScanInputs {
  return randomScanCase({ batch: 2, channels: 3, length: 37, state: 5 }, rule, 4, true);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0].slice(0, 200);
}
