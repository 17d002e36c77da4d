/**
 * Wall times of the selective scan as a page pays them, every timing with its one readback
 * (`await data()`): the fused scan and the naive tfjs loop on the active backend, and the plain
 * float32 loop. The pages of `npm run bench` (bench/page.ts) and of the GPU host's browser benchmark
 * (bench/browser/) call it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { fusedScan } from "../src/engine/gpu/fused-scan.js";
import { packedOffsets } from "../src/engine/gpu/layout.js";
import { scanFloat32 } from "../src/engine/gpu/scan-cpu.js";
import { naiveSelectiveScan } from "../src/engine/gpu/naive-scan.js";
import { benchInputs, checkAgainstReference, median, type BenchRow, type BenchShape } from "./shapes.js";

/** After this much time an implementation stops at 3 runs (the naive loop on a software GPU takes ~35 s a run). */
const TIME_BUDGET_MS = 60_000;

/**
 * Median of `runs` timed calls after one warm-up call (fewer, at least 3, once TIME_BUDGET_MS is spent);
 * the warm-up's extra time is reported as compile time.
 */
async function time(runs: number, once: () => Promise<Float32Array>): Promise<{ ms: number; compileMs: number; first: Float32Array; runs: number }> {
  let start = performance.now();
  const first = await once();
  const firstMs = performance.now() - start;
  const times: number[] = [];
  const began = performance.now();
  for (let i = 0; i < runs && (i < 3 || performance.now() - began < TIME_BUDGET_MS); i++) {
    start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  const ms = median(times);
  return { ms, compileMs: Math.max(0, firstMs - ms), first, runs: times.length };
}

/** Wall times (readback included) of the implementations `impls` on the active backend `backend`, one row each. */
export async function wallTimes(shape: BenchShape, runs: number, impls: BenchRow["impl"][], device: string, backend: string): Promise<BenchRow[]> {
  const inputs = benchInputs(shape);
  const { B, L, D, N } = shape;
  const sizes = { batch: B, channels: D, length: L, state: N };
  const outLength = packedOffsets(sizes, false).finalState;
  const rows: BenchRow[] = [];
  const row = (impl: BenchRow["impl"], rowBackend: string, result: { ms: number; compileMs: number; first: Float32Array; runs: number }, out: Float32Array): BenchRow => ({
    impl,
    backend: rowBackend,
    device,
    ...shape,
    ms: result.ms,
    maxRelErr: checkAgainstReference(inputs, out),
    compileMs: result.compileMs,
    timing: `wall time incl. readback, median of ${result.runs} after warm-up`,
    runs: result.runs,
  });
  if (impls.includes("fused")) {
    const t = { u: tf.tensor1d(inputs.u), delta: tf.tensor1d(inputs.delta), A: tf.tensor1d(inputs.A), B: tf.tensor1d(inputs.B), C: tf.tensor1d(inputs.C), D: tf.tensor1d(inputs.D), z: tf.tensor1d(inputs.z) };
    const result = await time(runs, async () => {
      const packed = fusedScan(t, sizes, "channels-first", "mamba", false);
      const values = (await packed.data()) as Float32Array;
      packed.dispose();
      return values;
    });
    tf.dispose(Object.values(t));
    rows.push(row("fused", backend, result, result.first.subarray(0, outLength)));
  }
  if (impls.includes("naive-tfjs")) {
    const t = tf.tidy(() => ({
      u: tf.transpose(tf.tensor3d(inputs.u, [B, D, L]), [0, 2, 1]) as tf.Tensor3D,
      delta: tf.transpose(tf.tensor3d(inputs.delta, [B, D, L]), [0, 2, 1]) as tf.Tensor3D,
      z: tf.transpose(tf.tensor3d(inputs.z, [B, D, L]), [0, 2, 1]) as tf.Tensor3D,
      A: tf.tensor2d(inputs.A, [D, N]),
      B: tf.transpose(tf.tensor3d(inputs.B, [B, N, L]), [0, 2, 1]) as tf.Tensor3D,
      C: tf.transpose(tf.tensor3d(inputs.C, [B, N, L]), [0, 2, 1]) as tf.Tensor3D,
      D: tf.tensor1d(inputs.D),
    }));
    const result = await time(runs, async () => {
      const out = naiveSelectiveScan(t.u, t.delta, t.A, t.B, t.C, t.D, t.z);
      const values = (await out.data()) as Float32Array;
      out.dispose();
      return values;
    });
    tf.dispose(Object.values(t));
    // (batch, length, channels) → the golden layout for the check.
    const channelsFirst = new Float32Array(B * D * L);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let d = 0; d < D; d++) channelsFirst[(b * D + d) * L + l] = result.first[(b * L + l) * D + d];
    rows.push(row("naive-tfjs", backend, result, channelsFirst));
  }
  if (impls.includes("plain-loop")) {
    const result = await time(runs, async () => scanFloat32(inputs, sizes, "channels-first", "mamba", false));
    rows.push(row("plain-loop", "js", result, result.first.subarray(0, outLength)));
  }
  return rows;
}

