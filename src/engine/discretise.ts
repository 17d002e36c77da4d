/**
 * Discretisation of a scalar or diagonal SSM h' = a h + b x over a step Δ (src/math.md#discretisation):
 * h_k = Ā h_{k−1} + B̄ x_k. Every rule here is applied mode by mode, so a diagonal A is just N
 * independent scalar modes.
 */
import type { DiscretisationRule } from "./types.js";

export type { DiscretisationRule } from "./types.js";

export const DISCRETISATION_RULES: readonly DiscretisationRule[] = ["euler", "bilinear", "zoh", "mamba"];

/** One discretised mode: h_k = aBar · h_{k−1} + bBar · x_k. */
export interface DiscreteMode {
  aBar: number;
  bBar: number;
}

/** (e^z − 1)/z, the ratio ZOH-B̄ / Euler-B̄ at z = Δa; 1 at z = 0 (its limit). */
export function zohOverEulerRatio(z: number): number {
  return z === 0 ? 1 : Math.expm1(z) / z;
}

/** Ā of the scalar mode a over a step Δ under `rule` (src/math.md#discretisation). */
export function discreteDecay(rule: DiscretisationRule, a: number, delta: number): number {
  switch (rule) {
    case "euler":
      return 1 + delta * a;
    case "bilinear":
      return (1 + (delta * a) / 2) / (1 - (delta * a) / 2);
    case "zoh":
    case "mamba":
      return Math.exp(delta * a);
  }
}

/**
 * B̄ / b of the scalar mode a over a step Δ under `rule`: Δ (Euler and Mamba's code), Δ/(1 − Δa/2)
 * (bilinear) or (e^{Δa} − 1)/a = Δ·(e^z − 1)/z with z = Δa (zero-order hold). The one definition of
 * B̄/B, for the reference scan and the CPU kernel alike.
 */
export function inputScale(rule: DiscretisationRule, a: number, delta: number): number {
  switch (rule) {
    case "euler":
    case "mamba":
      return delta;
    case "bilinear":
      return delta / (1 - (delta * a) / 2);
    case "zoh":
      return delta * zohOverEulerRatio(delta * a);
  }
}

/** Ā and B̄ of the scalar mode h' = a h + b x under `rule` with step `delta` (src/math.md#discretisation). */
export function discretise(rule: DiscretisationRule, a: number, b: number, delta: number): DiscreteMode {
  return { aBar: discreteDecay(rule, a, delta), bBar: inputScale(rule, a, delta) * b };
}

/** Ā and B̄ for every mode of a diagonal SSM, shapes (state). */
export function discretiseDiagonal(
  rule: DiscretisationRule,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  delta: number,
): { aBar: Float64Array; bBar: Float64Array } {
  const aBar = new Float64Array(a.length);
  const bBar = new Float64Array(a.length);
  for (let n = 0; n < a.length; n++) {
    const mode = discretise(rule, a[n], b[n], delta);
    aBar[n] = mode.aBar;
    bBar[n] = mode.bBar;
  }
  return { aBar, bBar };
}

/** Stability of one discretised mode: the free response Ā^k decays iff |Ā| < 1 and alternates sign iff Ā < 0. */
export interface StabilityVerdict {
  aBar: number;
  stable: boolean;
  oscillating: boolean;
}

/**
 * The verdict of src/math.md#discretisation for mode a and step Δ: Euler is stable iff Δλ < 2 (λ = −a) and
 * oscillates for 1 < Δλ < 2; bilinear is stable for all Δ but Ā → −1 as Δ → ∞; ZOH and Mamba keep
 * Ā ∈ (0, 1).
 */
export function stability(rule: DiscretisationRule, a: number, delta: number): StabilityVerdict {
  const { aBar } = discretise(rule, a, 0, delta);
  return { aBar, stable: Math.abs(aBar) < 1, oscillating: aBar < 0 };
}

/** A diagonal SSM: modes a (state), input weights b (state), output weights c (state). */
export interface DiagonalSSM {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  c: ArrayLike<number>;
}

/** States (length, state) and outputs y_k = Σ_n c_n h_k[n] (length) of a run. */
export interface Trajectory {
  states: Float64Array;
  outputs: Float64Array;
}

/**
 * Runs the discretised recurrence h_k = Ā h_{k−1} + B̄ x_k, y_k = c·h_k over `inputs` (length),
 * starting from h_{−1} = `initialState` (state; zeros if omitted).
 */
export function simulateDiscrete(
  rule: DiscretisationRule,
  ssm: DiagonalSSM,
  delta: number,
  inputs: ArrayLike<number>,
  initialState?: ArrayLike<number>,
): Trajectory {
  const { aBar, bBar } = discretiseDiagonal(rule, ssm.a, ssm.b, delta);
  return runRecurrence(aBar, bBar, ssm.c, inputs, initialState);
}

/**
 * The exact continuous solution sampled at t_k = (k+1)Δ for an input held at x_k on (kΔ, (k+1)Δ]:
 * h(t + Δ) = e^{aΔ} h(t) + ∫_0^Δ e^{a s} ds · b x. Written with the integral's closed form, which is
 * what ZOH discretises to; tests compare it with an independent numerical integration.
 */
export function exactPiecewiseConstant(
  ssm: DiagonalSSM,
  delta: number,
  inputs: ArrayLike<number>,
  initialState?: ArrayLike<number>,
): Trajectory {
  return simulateDiscrete("zoh", ssm, delta, inputs, initialState);
}

/**
 * The exact continuous h(t) between samples, for plotting: `samplesPerStep` points per step at
 * t = kΔ + (j+1)Δ/samplesPerStep, with the input held at x_k. Returns times (length·samplesPerStep)
 * and states (length·samplesPerStep, state).
 */
export function exactContinuousPath(
  ssm: DiagonalSSM,
  delta: number,
  inputs: ArrayLike<number>,
  samplesPerStep: number,
  initialState?: ArrayLike<number>,
): { times: Float64Array; states: Float64Array } {
  const subStep = delta / samplesPerStep;
  const held = new Float64Array(inputs.length * samplesPerStep);
  for (let i = 0; i < held.length; i++) held[i] = inputs[Math.floor(i / samplesPerStep)];
  const fine = simulateDiscrete("zoh", ssm, subStep, held, initialState);
  const times = new Float64Array(held.length);
  for (let i = 0; i < times.length; i++) times[i] = (i + 1) * subStep;
  return { times, states: fine.states };
}

/** h_k = aBar ⊙ h_{k−1} + bBar · x_k, y_k = c · h_k, for diagonal aBar, bBar, c of shape (state). */
export function runRecurrence(
  aBar: ArrayLike<number>,
  bBar: ArrayLike<number>,
  c: ArrayLike<number>,
  inputs: ArrayLike<number>,
  initialState?: ArrayLike<number>,
): Trajectory {
  const modes = aBar.length;
  const h = Float64Array.from(initialState ?? new Float64Array(modes));
  const states = new Float64Array(inputs.length * modes);
  const outputs = new Float64Array(inputs.length);
  for (let k = 0; k < inputs.length; k++) {
    let y = 0;
    for (let n = 0; n < modes; n++) {
      h[n] = aBar[n] * h[n] + bBar[n] * inputs[k];
      states[k * modes + n] = h[n];
      y += c[n] * h[n];
    }
    outputs[k] = y;
  }
  return { states, outputs };
}
