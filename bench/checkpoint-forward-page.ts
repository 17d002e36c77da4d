/**
 * Browser entry of bench/checkpoint-forward.ts (bundled with esbuild): loads the checkpoint served
 * next to it, starts the GPU engine on `?backend=`, and exposes `benchForward(length, runs)`, which
 * times whole-model forwards (the engine's runModel, every tensor read back) on a fixed sequence.
 */
import { loadMambaCheckpoint } from "../src/engine/checkpoint.ts";
import { createGpuEngine } from "../src/engine/gpu/engine.ts";
import { requestedTfjsBackend } from "../src/components/page-engine.ts";
import { createRandom } from "../src/engine/random.ts";

export interface ForwardTiming {
  backend: string;
  reason: string;
  /** Milliseconds of each timed run, after one untimed warm-up run (shader compilation). */
  runsMs: number[];
  warmupMs: number;
}

async function benchForward(length: number, runs: number): Promise<ForwardTiming> {
  const [config, weights] = await Promise.all([fetch("./config.json").then((r) => r.json()), fetch("./model.safetensors").then((r) => r.arrayBuffer())]);
  const model = loadMambaCheckpoint(config, new Uint8Array(weights));
  const engine = await createGpuEngine(requestedTfjsBackend());
  const random = createRandom(7);
  const ids = Array.from({ length }, () => random.integer(model.config.vocabSize));
  let start = performance.now();
  await engine.runModel(model, [ids]);
  const warmupMs = performance.now() - start;
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    start = performance.now();
    await engine.runModel(model, [ids]);
    runsMs.push(performance.now() - start);
  }
  return { backend: engine.backend, reason: engine.reason, runsMs, warmupMs };
}

(globalThis as unknown as { benchForward: typeof benchForward }).benchForward = benchForward;
