/**
 * The "standard implementation" the Mamba paper compares its kernel against, in tfjs ops on the active
 * backend: materialise Ā = exp(ΔA) and B̄u for every token, then loop over time with a few tensor ops
 * per step, each writing the whole state h (batch, channels, state) back to memory:
 *   h_t = Ā_t ⊙ h_{t−1} + B̄_t u_t,   y_t = Σ_n C_t[n] h_t[·, ·, n]   (Mamba's rule B̄ = ΔB).
 * L steps × ~6 ops each, so its time grows with L's dispatches; the fused scan is one dispatch.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { SelectiveScanInputs } from "../types.js";

/** y before skip and gate, (batch, channels, length), for inputs in the golden layout (rule "mamba" only). */
export function naiveScanTf(inputs: SelectiveScanInputs): tf.Tensor3D {
  if (inputs.rule !== "mamba") throw new Error(`naive scan: only the "mamba" rule is implemented, got "${inputs.rule}"`);
  const { batch, channels, length, state } = inputs;
  return tf.tidy(() => {
    const tensor = (values: ArrayLike<number>, shape: number[]) => tf.tensor(Float32Array.from(values), shape);
    // (batch, channels, length, 1) against A (1, channels, 1, state): (batch, channels, length, state).
    const delta = tensor(inputs.delta, [batch, channels, length, 1]);
    const aBar = tf.exp(tf.mul(delta, tensor(inputs.A, [1, channels, 1, state])));
    // B (batch, state, length) → (batch, 1, length, state); B̄u = Δ·u·B.
    const B = tf.expandDims(tf.transpose(tensor(inputs.B, [batch, state, length]), [0, 2, 1]), 1);
    const bBarU = tf.mul(tf.mul(delta, tensor(inputs.u, [batch, channels, length, 1])), B);
    const C = tf.expandDims(tf.transpose(tensor(inputs.C, [batch, state, length]), [0, 2, 1]), 1);
    let h: tf.Tensor = tf.zeros([batch, channels, 1, state]);
    const outputs: tf.Tensor[] = [];
    for (let t = 0; t < length; t++) {
      const at = (values: tf.Tensor) => tf.slice(values, [0, 0, t, 0], [-1, -1, 1, -1]);
      h = tf.add(tf.mul(at(aBar), h), at(bBarU));
      outputs.push(tf.sum(tf.mul(h, at(C)), 3));
    }
    return tf.concat(outputs, 2) as tf.Tensor3D;
  });
}
