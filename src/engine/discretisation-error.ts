/**
 * How far each discretisation rule lands from the exact solution, for the error-vs-Δ figure: the input
 * is sampled and held (x_k = x(kΔ) on (kΔ, (k+1)Δ], the SSM's own view of a sequence) and every rule is
 * compared with the exact continuous solution for that held input at the sample times t_k = (k+1)Δ.
 */
import { DISCRETISATION_RULES, exactContinuousPath, simulateDiscrete, type DiagonalSSM, type DiscretisationRule } from "./discretise.js";

/** x_k = x(kΔ) for the steps k = 0..⌊horizon/Δ⌋ − 1 that fit in [0, horizon] (at least one). */
export function heldSamples(signal: (t: number) => number, delta: number, horizon: number): Float64Array {
  const steps = Math.max(1, Math.floor(horizon / delta + 1e-9));
  return Float64Array.from({ length: steps }, (_, k) => signal(k * delta));
}

/**
 * The exact h(t_k) for the held input (length, state): computed on a grid twice as fine, so it shares
 * no rounding with a ZOH run at step Δ and their difference measures only float64 rounding.
 */
export function exactAtSamples(ssm: DiagonalSSM, delta: number, inputs: ArrayLike<number>): Float64Array {
  const modes = ssm.a.length;
  const fine = exactContinuousPath(ssm, delta, inputs, 2).states;
  return Float64Array.from({ length: inputs.length * modes }, (_, i) => fine[(2 * Math.floor(i / modes) + 1) * modes + (i % modes)]);
}

/**
 * max_k ‖h_k − h(t_k)‖_∞ of `rule` at step Δ: the global error over the run (Infinity once it
 * overflows). `exact` (length, state) can be passed when several rules share one reference.
 */
export function discretisationError(
  rule: DiscretisationRule,
  ssm: DiagonalSSM,
  delta: number,
  inputs: ArrayLike<number>,
  exact: ArrayLike<number> = exactAtSamples(ssm, delta, inputs),
): number {
  const { states } = simulateDiscrete(rule, ssm, delta, inputs);
  let worst = 0;
  for (let i = 0; i < states.length; i++) {
    const error = Math.abs(states[i] - exact[i]);
    worst = Number.isFinite(error) ? Math.max(worst, error) : Infinity;
  }
  return worst;
}

/** Δ values spaced evenly on a log axis from `low` to `high` (count ≥ 2). */
export function logSpace(low: number, high: number, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => low * (high / low) ** (i / (count - 1)));
}

/** The error of every rule at every Δ of `deltas`, for the input `signal` over [0, horizon]: rule → errors (deltas). */
export function errorSweep(
  ssm: DiagonalSSM,
  signal: (t: number) => number,
  horizon: number,
  deltas: ArrayLike<number>,
): Record<DiscretisationRule, Float64Array> {
  const sweep = {} as Record<DiscretisationRule, Float64Array>;
  for (const rule of DISCRETISATION_RULES) sweep[rule] = new Float64Array(deltas.length);
  for (let i = 0; i < deltas.length; i++) {
    const inputs = heldSamples(signal, deltas[i], horizon);
    const exact = exactAtSamples(ssm, deltas[i], inputs);
    for (const rule of DISCRETISATION_RULES) sweep[rule][i] = discretisationError(rule, ssm, deltas[i], inputs, exact);
  }
  return sweep;
}

/** The least-squares slope of log(error) against log(Δ): the observed order of convergence. */
export function convergenceOrder(deltas: ArrayLike<number>, errors: ArrayLike<number>): number {
  const x = Array.from(deltas, Math.log);
  const y = Array.from(errors, Math.log);
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return num / den;
}
