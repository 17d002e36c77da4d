/**
 * Data for the home page's figure: one state mode h′ = a h + x charged by an input held at 1 for
 * `pulseSeconds`, then left to forget, computed exactly and by two discretisation rules at step Δ.
 */
import { exactContinuousPath, simulateDiscrete, type DiagonalSSM } from "../../engine/discretise.js";
import type { Series } from "../charts/line-plot.js";

/** The sampled input x_k = x(kΔ) of a pulse of height 1 on [0, pulseSeconds). */
export function pulseInput(delta: number, pulseSeconds: number, horizonSeconds: number): Float64Array {
  const steps = Math.max(1, Math.ceil(horizonSeconds / delta));
  return Float64Array.from({ length: steps }, (_, k) => (k * delta < pulseSeconds ? 1 : 0));
}

/** Time t_k = (k + 1)Δ at which the k-th discrete state is plotted (after the input x_k was held for Δ). */
function sampleTimes(delta: number, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, k) => (k + 1) * delta);
}

export interface ChargeAndForget {
  series: Series[];
  /** One row per discrete step: t, x, exact h, ZOH h, Euler h. */
  table: { columns: string[]; rows: number[][] };
}

/**
 * The exact continuous path for the input held over each step, ZOH and Euler at step `delta`, for mode `a` (< 0).
 * ZOH lands on the exact curve at every sample; Euler drifts, oscillates past Δ|a| = 1 and diverges past 2.
 */
export function chargeAndForget(a: number, delta: number, pulseSeconds = 2, horizonSeconds = 8): ChargeAndForget {
  const ssm: DiagonalSSM = { a: [a], b: [1], c: [1] };
  const inputs = pulseInput(delta, pulseSeconds, horizonSeconds);
  // The exact solution for the same held input, on a grid about 0.01 s fine, for a smooth curve.
  const samplesPerStep = Math.max(1, Math.ceil(delta / 0.01));
  const exact = exactContinuousPath(ssm, delta, inputs, samplesPerStep);
  const zoh = simulateDiscrete("zoh", ssm, delta, inputs).states;
  const euler = simulateDiscrete("euler", ssm, delta, inputs).states;
  const times = sampleTimes(delta, inputs.length);
  const exactAtSample = (k: number) => exact.states[(k + 1) * samplesPerStep - 1];
  return {
    series: [
      { name: "exact h(t)", x: [0, ...exact.times], y: [0, ...exact.states], sym: "home-exact" },
      { name: "ZOH", x: [0, ...times], y: [0, ...zoh], sym: "home-zoh" },
      { name: "Euler", x: [0, ...times], y: [0, ...euler], dashed: true, sym: "home-euler" },
    ],
    table: {
      columns: ["t", "x", "exact_h", "zoh_h", "euler_h"],
      rows: Array.from(times, (t, k) => [t, inputs[k], exactAtSample(k), zoh[k], euler[k]]),
    },
  };
}
