/**
 * The "standard implementation" the Mamba paper compares its kernel against (johnma2006/mamba-minimal's
 * `selective_scan`), in tfjs ops on the active backend: materialise Ā = exp(Δ ⊗ A) and B̄u = Δ·u·B
 * for every token, then loop over time with a few ops per step, each writing the whole state
 * h (batch, channels, state) back to memory:
 *   h_t = Ā_t ⊙ h_{t−1} + B̄_t u_t,  y_t = h_t C_t + D ⊙ u_t,  out = y ⊙ SiLU(z)   (Mamba's rule B̄ = ΔB).
 * L steps × ~6 ops each: L dispatches' worth of time, where the fused scan is one dispatch.
 * The benchmark (bench/) and the convolution-scan page both time this one.
 */
import * as tf from "@tensorflow/tfjs-core";

/** u, Δ, z (batch, length, channels); A (channels, state); B, C (batch, length, state); D (channels). Returns out (batch, length, channels). */
export function naiveSelectiveScan(u: tf.Tensor3D, delta: tf.Tensor3D, A: tf.Tensor2D, B: tf.Tensor3D, C: tf.Tensor3D, D: tf.Tensor1D, z: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length, channels] = u.shape;
    const state = A.shape[1];
    // (batch, length, channels, state)
    const aBar = tf.exp(tf.mul(tf.expandDims(delta, 3), A)) as tf.Tensor4D;
    const bBarU = tf.mul(tf.expandDims(tf.mul(delta, u), 3), tf.expandDims(B, 2)) as tf.Tensor4D;
    let h: tf.Tensor = tf.zeros([batch, channels, state]);
    const ys: tf.Tensor[] = [];
    for (let t = 0; t < length; t++) {
      const at = (values: tf.Tensor4D) => tf.reshape(tf.slice(values, [0, t, 0, 0], [batch, 1, channels, state]), [batch, channels, state]);
      h = tf.add(tf.mul(at(aBar), h), at(bBarU));
      const cAtT = tf.reshape(tf.slice(C, [0, t, 0], [batch, 1, state]), [batch, state, 1]);
      ys.push(tf.reshape(tf.matMul(h, cAtT), [batch, 1, channels]));
    }
    const y = tf.add(tf.concat(ys, 1), tf.mul(u, D));
    return tf.mul(y, tf.mul(tf.sigmoid(z), z)) as tf.Tensor3D;
  });
}
