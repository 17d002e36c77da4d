/**
 * Readers' overrides on the GPU (types.ts Perturbation): value = (set is NaN or absent ? computed : set)
 * × (scale ?? 1), with two element-wise ops; the override has its own shape and broadcasts over the
 * batch rows of `computed`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { check } from "../errors.js";
import type { Perturbation } from "../types.js";

/**
 * Applies `perturbation` (elements in `shape` order, e.g. (length, channels)) to `computed`, whose
 * trailing axes are `shape` permuted by `perm` (identity if omitted). Returns a new tensor.
 */
export function perturb(
  computed: tf.Tensor,
  perturbation: Perturbation | undefined,
  shape: number[],
  name: string,
  perm?: number[],
): tf.Tensor {
  if (!perturbation || (!perturbation.set && !perturbation.scale)) return tf.clone(computed);
  const size = shape.reduce((p, s) => p * s, 1);
  const asTensor = (values: ArrayLike<number>, part: string) => {
    check(values.length === size, `override ${name}.${part} has ${values.length} values, expected ${size} (${shape.join(" × ")})`);
    const tensor = tf.tensor(Float32Array.from(values), shape);
    return perm ? tf.transpose(tensor, perm) : tensor;
  };
  return tf.tidy(() => {
    let value = computed;
    if (perturbation.set) {
      const set = tf.broadcastTo(asTensor(perturbation.set, "set"), computed.shape);
      value = tf.where(tf.isNaN(set), value, set);
    }
    if (perturbation.scale) value = tf.mul(value, asTensor(perturbation.scale, "scale"));
    return value;
  });
}
