/**
 * One channel's output computed three ways on the page's tfjs backend: the recurrence (the engine's
 * fused scan), the direct convolution with the flipped kernel and the FFT convolution, all float32.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Engine } from "../../engine/engine.js";
import { causalConvolveDirectTf, causalConvolveFFTTf } from "../../engine/gpu/lti-convolution.js";
import type { SelectiveScanInputs } from "../../engine/types.js";

/** y (length) by each method. */
export interface ThreeWays {
  recurrence: Float32Array;
  direct: Float32Array;
  fft: Float32Array;
}

/** Runs the scan of `inputs` (batch 1, channels 1) and both convolutions of its u with `kernel`. */
export async function threeWays(engine: Engine, inputs: SelectiveScanInputs, kernel: Float64Array): Promise<ThreeWays> {
  const { length } = inputs;
  const scanned = await engine.scan(inputs);
  const both = tf.tidy(() => {
    const x = tf.tensor1d(Float32Array.from(inputs.u));
    const k = tf.tensor1d(Float32Array.from(kernel));
    return tf.concat([causalConvolveDirectTf(x, k), causalConvolveFFTTf(x, k)]);
  });
  const values = (await both.data()) as Float32Array;
  both.dispose();
  return { recurrence: Float32Array.from(scanned.y), direct: values.slice(0, length), fft: values.slice(length) };
}
