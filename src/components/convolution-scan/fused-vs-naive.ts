/**
 * The fused scan kernel against the naive per-timestep loop on the page's backend, on the same random
 * case (TIMED_WIDTH channels, TIMED_STATE states): the median time of each and how far their y differ.
 */
import type { GpuEngine } from "../../engine/gpu/engine.js";
import { naiveScanTf } from "../../engine/gpu/naive-scan.js";
import { maxAbsDifference } from "./lti-case.js";
import { medianMs, randomScanCase } from "./measure.js";

export interface FusedVersusNaive {
  length: number;
  fusedMs: number;
  naiveMs: number;
  maxDifference: number;
}

export async function fusedVersusNaive(engine: GpuEngine, length: number, repeats = 3): Promise<FusedVersusNaive> {
  const inputs = randomScanCase(length);
  const runNaive = async () => {
    const y = naiveScanTf(inputs);
    const values = (await y.data()) as Float32Array;
    y.dispose();
    return values;
  };
  const fusedMs = await medianMs(() => engine.scan(inputs), repeats);
  const naiveMs = await medianMs(runNaive, repeats);
  const fused = await engine.scan(inputs);
  return { length, fusedMs, naiveMs, maxDifference: maxAbsDifference(fused.yNoSkipNoGate, await runNaive()) };
}
