/**
 * A small single-head causal self-attention layer on the active tfjs backend, the yardstick the
 * convolution-vs-scan chapter times the scan against:
 *   Q = X W_q, K = X W_k, V = X W_v  (length, dModel);
 *   S = Q Kᵀ / √dModel with S_ij = −∞ for j > i  (length, length);
 *   Y = softmax(S) V W_o  (length, dModel).
 * Its cost grows with length², and decoding keeps K and V for every past token (the KV cache).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../random.js";

/** W_q, W_k, W_v, W_o, each (dModel, dModel), in host memory. */
export interface AttentionWeights {
  dModel: number;
  query: Float32Array;
  key: Float32Array;
  value: Float32Array;
  output: Float32Array;
}

/** Weights ~ U(±1/√dModel) (PyTorch's default for a linear layer). */
export function initAttention(dModel: number, random: Random): AttentionWeights {
  const bound = 1 / Math.sqrt(dModel);
  const matrix = () => Float32Array.from(random.fill(dModel * dModel, () => random.uniformIn(-bound, bound)));
  return { dModel, query: matrix(), key: matrix(), value: matrix(), output: matrix() };
}

/** Y (length, dModel) for X (length, dModel). */
export function attentionForward(x: tf.Tensor2D, weights: AttentionWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const { dModel } = weights;
    const length = x.shape[0];
    const project = (w: Float32Array) => tf.matMul(x, tf.tensor2d(w, [dModel, dModel]));
    const scores = tf.div(tf.matMul(project(weights.query), project(weights.key), false, true), Math.sqrt(dModel));
    // Future positions get −1e9 rather than −∞ so a fully masked row could never produce NaN.
    const future = tf.sub(1, tf.linalg.bandPart(tf.ones([length, length]), -1, 0));
    const probabilities = tf.softmax(tf.sub(scores, tf.mul(future, 1e9)));
    return tf.matMul(tf.matMul(probabilities, project(weights.value)), tf.tensor2d(weights.output, [dModel, dModel]));
  });
}
