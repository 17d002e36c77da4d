/**
 * The selective scan as a direct port of johnma2006/mamba-minimal's `selective_scan` to tfjs ops:
 * materialise ΔA = exp(Δ ⊗ A) and ΔB·u (batch, length, channels, state), then loop over the tokens
 * with a handful of ops per step. This is what the fused kernel is measured against: L × (ops per
 * step) dispatches instead of one.
 */
import * as tf from "@tensorflow/tfjs-core";

/** u, Δ, z (batch, length, channels); A (channels, state); B, C (batch, length, state); D (channels). Returns out (batch, length, channels). */
export function naiveSelectiveScan(u: tf.Tensor3D, delta: tf.Tensor3D, A: tf.Tensor2D, B: tf.Tensor3D, C: tf.Tensor3D, D: tf.Tensor1D, z: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, channels] = u.shape;
    const state = A.shape[1];
    // deltaA = exp(einsum('b l d, d n -> b l d n', Δ, A)); deltaB_u = einsum('b l d, b l n, b l d -> b l d n', Δ, B, u)
    const deltaA = tf.exp(tf.mul(tf.expandDims(delta, 3), A)) as tf.Tensor4D;
    const deltaBu = tf.mul(tf.expandDims(tf.mul(delta, u), 3), tf.expandDims(B, 2)) as tf.Tensor4D;
    let x: tf.Tensor = tf.zeros([batch, channels, state]);
    const ys: tf.Tensor[] = [];
    for (let i = 0; i < length; i++) {
      const step = (t: tf.Tensor4D) => tf.reshape(tf.slice(t, [0, i, 0, 0], [batch, 1, channels, state]), [batch, channels, state]);
      x = tf.add(tf.mul(step(deltaA), x), step(deltaBu));
      // y = einsum('b d n, b n -> b d', x, C[:, i, :])
      const Ci = tf.reshape(tf.slice(C, [0, i, 0], [batch, 1, state]), [batch, state, 1]);
      ys.push(tf.reshape(tf.matMul(x, Ci), [batch, 1, channels]));
    }
    const y = tf.add(tf.concat(ys, 1), tf.mul(u, D));
    return tf.mul(tf.mul(y, tf.sigmoid(z)), z) as tf.Tensor3D;
  });
}
