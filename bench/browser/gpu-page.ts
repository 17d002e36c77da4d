/**
 * The page of the GPU host's browser benchmark (bench/browser/gpu-host.ts drives it): in a real
 * Chromium on the GPU, with the backend of `?backend=`, it times
 *   - the engine's WGSL scan at the benchmark shapes in both layouts (GPU time by timestamp queries,
 *     the same measure as bench/gpu.ts in Node), and
 *   - the whole model: the character model's decode step per character, a larger checkpoint's forward
 *     and decoding (bench/lm-timing.ts), and
 *   - on WebGL2, the fused scan against the naive tfjs loop, wall time with the readback (bench/scan-wall.ts).
 * Every answer carries the adapter it ran on.
 */
import * as tf from "@tensorflow/tfjs-core";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { createGpuEngine } from "../../src/engine/gpu/engine.js";
import { requestedTfjsBackend } from "../../src/components/page-engine.js";
import { initialLmState, lmStep } from "../../src/engine/model.js";
import { rowErrors, timeDecode, timeForward } from "../lm-timing.js";
import { benchFused, scanVariants, uploadScan } from "../scan-timing.js";
import { wallTimes } from "../scan-wall.js";
import { benchInputs, referenceChecker, type BenchRow, type BenchShape } from "../shapes.js";
import type { ScanLayoutName } from "../../src/engine/gpu/layout.js";

const engine = createGpuEngine(requestedTfjsBackend());

/** The adapter and renderer this page runs on, for the record. */
async function adapter(): Promise<Record<string, unknown>> {
  const chosen = await engine;
  // The first requestAdapter right after load returned null on the GPU host; retry as its README says.
  let gpuAdapter: GPUAdapter | null = null;
  for (let i = 0; i < 5 && !gpuAdapter; i++) {
    gpuAdapter = (await navigator.gpu?.requestAdapter()) ?? null;
    if (!gpuAdapter) await new Promise((done) => setTimeout(done, 1000));
  }
  const info = gpuAdapter?.info;
  const gl = document.createElement("canvas").getContext("webgl2");
  const debug = gl?.getExtension("WEBGL_debug_renderer_info");
  return {
    backend: chosen.backend,
    reason: chosen.reason,
    webgpu: info ? { vendor: info.vendor, architecture: info.architecture, description: info.description, fallback: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? gpuAdapter!.isFallbackAdapter } : null,
    webgl2: gl ? gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : null,
    userAgent: navigator.userAgent,
  };
}

const deviceName = async () => {
  const a = await adapter();
  const webgpu = a.webgpu as { vendor?: string; description?: string } | null;
  return a.backend === "webgl" ? String(a.webgl2) : `${webgpu?.vendor ?? ""} ${webgpu?.description ?? ""}`.trim();
};

/** The engine's WGSL scan at `shape` in each layout: one row per layout. */
async function scan(shape: BenchShape, layouts: ScanLayoutName[], runs: number, warmUpMs: number, checkChannels: number): Promise<BenchRow[]> {
  await engine;
  const device = await deviceName();
  const inputs = benchInputs(shape);
  const check = referenceChecker(inputs, checkChannels);
  const [variant] = scanVariants({ kernels: ["chunked"] });
  const rows: BenchRow[] = [];
  for (const layout of layouts) {
    const scanInputs = await uploadScan(shape, inputs, layout, false, check);
    rows.push(await benchFused(scanInputs, device, variant, warmUpMs, { runs, computedInputs: false, backendLabel: "webgpu (Chromium)" }));
    tf.dispose(Object.values(scanInputs.tensors));
  }
  return rows;
}

async function fetchModel(folder: string) {
  const read = async (name: string) => new Uint8Array(await (await fetch(`${folder}/${name}`)).arrayBuffer());
  return loadMambaCheckpoint(JSON.parse(new TextDecoder().decode(await read("config.json"))), await read("model.safetensors"), `${folder}/model.safetensors`);
}

/** Decoding `folder`'s model: `prompt` tokens, then `steps` greedy ones; the prompt's logits against lmStep when `checkPrompt`. */
async function decode(folder: string, promptLength: number, steps: number, checkPrompt: boolean) {
  await engine;
  const model = await fetchModel(folder);
  const prompt = Array.from({ length: promptLength }, (_, i) => (i * 7 + 3) % model.config.vocabSize);
  const timing = await timeDecode(model, prompt, steps);
  let maxRelErrVsFloat64: number | null = null;
  if (checkPrompt) {
    let state = initialLmState(model);
    const reference = prompt.map((id) => {
      const step = lmStep(model, state, id);
      state = step.state;
      return step.logits;
    });
    maxRelErrVsFloat64 = Math.max(...rowErrors(timing.promptLogits, reference));
  }
  return { device: await deviceName(), medianStepMs: timing.medianStepMs, tokensPerSecond: timing.tokensPerSecond, steps, maxRelErrVsFloat64 };
}

/** The forward of `folder`'s model on the ids of `idsUrl`, logits against `referenceUrl` ({positions, logits}). */
async function forward(folder: string, idsUrl: string, referenceUrl: string, runs: number) {
  await engine;
  const model = await fetchModel(folder);
  const ids: number[] = await (await fetch(idsUrl)).json();
  const reference: { positions: number[]; logits: number[][] } = await (await fetch(referenceUrl)).json();
  const timing = await timeForward(model, ids, runs, reference.positions);
  return { device: await deviceName(), length: ids.length, medianMs: timing.medianMs, allMs: timing.allMs, firstMs: timing.firstMs, positions: reference.positions, maxRelErr: rowErrors(timing.rows, reference.logits) };
}

/** Fused against the naive tfjs loop on the page's backend (WebGL2 here), wall time with readback. */
async function fusedVersusNaive(shape: BenchShape, runs: number) {
  const chosen = await engine;
  return wallTimes(shape, runs, ["fused", "naive-tfjs"], await deviceName(), chosen.backend);
}

declare global {
  interface Window {
    gpuBench: { adapter: typeof adapter; scan: typeof scan; decode: typeof decode; forward: typeof forward; fusedVersusNaive: typeof fusedVersusNaive };
  }
}
window.gpuBench = { adapter, scan, decode, forward, fusedVersusNaive };
