/**
 * The fused scan kernel against the naive per-timestep loop on the page's backend, on the same random
 * case (TIMED_WIDTH channels, TIMED_STATE states, with skip D and gate z): the median time of each,
 * upload and read-back included, and how far their outputs differ.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Engine } from "../../engine/engine.js";
import { naiveSelectiveScan } from "../../engine/gpu/naive-scan.js";
import { createRandom } from "../../engine/random.js";
import type { SelectiveScanInputs } from "../../engine/types.js";
import { maxAbsDifference } from "./lti-case.js";
import { medianMs, randomScanCase } from "./measure.js";

export interface FusedVersusNaive {
  length: number;
  fusedMs: number;
  naiveMs: number;
  maxDifference: number;
}

/** The naive loop on a golden-layout case: (1, channels, length) buffers become (1, length, channels) tensors and back. */
async function naiveOut(inputs: SelectiveScanInputs): Promise<Float32Array> {
  const { channels, length, state } = inputs;
  const out = tf.tidy(() => {
    const tokensLast = (values: ArrayLike<number>, inner: number) => tf.transpose(tf.tensor3d(Float32Array.from(values), [1, inner, length]), [0, 2, 1]) as tf.Tensor3D;
    const y = naiveSelectiveScan(
      tokensLast(inputs.u, channels),
      tokensLast(inputs.delta, channels),
      tf.tensor2d(Float32Array.from(inputs.A), [channels, state]),
      tokensLast(inputs.B, state),
      tokensLast(inputs.C, state),
      tf.tensor1d(Float32Array.from(inputs.D!)),
      tokensLast(inputs.z!, channels),
    );
    return tf.transpose(y, [0, 2, 1]);
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

export async function fusedVersusNaive(engine: Engine, length: number, repeats = 3): Promise<FusedVersusNaive> {
  const random = createRandom(3);
  const base = randomScanCase(length);
  const inputs = { ...base, D: random.fill(base.channels, () => random.uniformIn(-1, 1)), z: random.fill(base.channels * length, () => random.uniformIn(-2, 2)) };
  const fusedMs = await medianMs(() => engine.scan(inputs), repeats);
  const naiveMs = await medianMs(() => naiveOut(inputs), repeats);
  const fused = await engine.scan(inputs);
  return { length, fusedMs, naiveMs, maxDifference: maxAbsDifference(fused.yGated, await naiveOut(inputs)) };
}
