/**
 * Adam (Kingma & Ba) with global-norm gradient clipping, over a record of float32 parameters, in place.
 * `trainable` masks (1 = trainable, 0 = frozen, per element) keep the LTI variant's frozen weights fixed.
 */
import type { Params } from "./mamba-lm.js";

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Gradients are scaled down so that their global L2 norm is at most this. */
  clipNorm: number;
}

export const ADAM_DEFAULTS: AdamSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 };

export interface AdamState {
  step: number;
  firstMoment: Params;
  secondMoment: Params;
}

export function createAdamState(params: Params): AdamState {
  const zeros = () => Object.fromEntries(Object.entries(params).map(([key, value]) => [key, new Float32Array(value.length)]));
  return { step: 0, firstMoment: zeros(), secondMoment: zeros() };
}

/** √(Σ g²) over every gradient. */
export function globalNorm(grads: Params): number {
  let sum = 0;
  for (const values of Object.values(grads)) for (const v of values) sum += v * v;
  return Math.sqrt(sum);
}

/** Gradients with frozen elements zeroed: g ⊙ mask for every parameter that has a mask. */
function maskGradients(grads: Params, trainable: Params): Params {
  return Object.fromEntries(Object.entries(grads).map(([key, g]) => [key, trainable[key] ? g.map((v, i) => v * trainable[key][i]) : g]));
}

/** One update θ ← θ − lr · m̂ / (√v̂ + ε) with bias-corrected moments of the masked, clipped gradient. */
export function adamStep(params: Params, rawGrads: Params, state: AdamState, learningRate: number, trainable: Params = {}, settings = ADAM_DEFAULTS): void {
  const { beta1, beta2, epsilon, clipNorm } = settings;
  const grads = maskGradients(rawGrads, trainable);
  const norm = globalNorm(grads);
  const clip = norm > clipNorm ? clipNorm / norm : 1;
  state.step++;
  const correction1 = 1 - beta1 ** state.step;
  const correction2 = 1 - beta2 ** state.step;
  for (const [key, values] of Object.entries(params)) {
    const g = grads[key];
    const m = state.firstMoment[key];
    const v = state.secondMoment[key];
    for (let i = 0; i < values.length; i++) {
      const gi = g[i] * clip;
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      values[i] -= (learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
  }
}
