/**
 * The in-browser half of `npm run bench`: the page creates the GPU engine for `?backend=` and times,
 * on that backend, the fused scan and the naive tfjs loop, and (on any page) the plain float32 loop
 * (bench/scan-wall.ts).
 */
import { createGpuEngine } from "../src/engine/gpu/engine.js";
import { requestedTfjsBackend } from "../src/components/page-engine.js";
import { wallTimes } from "./scan-wall.js";
import type { BenchRow, BenchShape } from "./shapes.js";

const ready = createGpuEngine(requestedTfjsBackend()).then((engine) => ({ backend: engine.backend, reason: engine.reason }));

async function run(shape: BenchShape, runs: number, impls: BenchRow["impl"][], device: string): Promise<BenchRow[]> {
  return wallTimes(shape, runs, impls, device, (await ready).backend);
}

declare global {
  interface Window {
    bench: { ready: () => typeof ready; run: typeof run };
  }
}
window.bench = { ready: () => ready, run };
