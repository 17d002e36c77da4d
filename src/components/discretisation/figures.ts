/**
 * Data for the figures of /discretisation, all from the float64 engine: one mode h' = a h + b x run
 * exactly and under each discretisation rule, the error sweep over Δ, the stability map, and the
 * ratio (e^z − 1)/z. Values a chart cannot show (Euler past Δλ = 2 grows without bound) are pinned
 * to the plot's edge once and then dropped, so a line leaves the plot instead of being drawn outside.
 */
import { DISCRETISATION_RULES, discretise, exactContinuousPath, simulateDiscrete, stability, zohOverEulerRatio, type DiagonalSSM, type DiscretisationRule } from "../../engine/discretise.js";
import { convergenceOrder, errorSweep, heldSamples, logSpace } from "../../engine/discretisation-error.js";
import { linspace } from "../../engine/continuous.js";
import { signalValue, type SignalName } from "../../engine/signals.js";
import type { Series } from "../charts/line-plot.js";
import type { StabilityMapData } from "../charts/stability-map.js";

/** The run lasts this long in the SSM's time, whatever Δ is: a smaller Δ means more steps. */
export const HORIZON = 12;

export const RULE_LABELS: Record<DiscretisationRule, string> = { euler: "Euler", bilinear: "bilinear", zoh: "ZOH", mamba: "Mamba (ZOH Ā, ΔB)" };
export const RULE_COLORS: Record<DiscretisationRule, string> = { euler: "#4e79a7", bilinear: "#f28e2c", zoh: "#59a14f", mamba: "#b07aa1" };
const EXACT_COLOR = "#8c8c8c";

/** The mode the page studies: a = −λ, b = λ (so a held input x pulls h toward x), c = 1. */
export function modeFor(lambda: number): DiagonalSSM {
  return { a: [-lambda], b: [lambda], c: [1] };
}

/**
 * Values inside [low, high] kept; the first one outside pinned to the edge it crossed; the rest NaN
 * (a break in the line). Keeps a diverging run visible as a line that leaves the plot.
 */
export function pinToRange(values: ArrayLike<number>, low: number, high: number): Float64Array {
  const pinned = Float64Array.from(values);
  let escaped = false;
  for (let i = 0; i < pinned.length; i++) {
    const v = pinned[i];
    if (escaped) pinned[i] = NaN;
    else if (!(v >= low && v <= high)) {
      pinned[i] = Number.isNaN(v) ? NaN : v > high ? high : low;
      escaped = true;
    }
  }
  return pinned;
}

/** The overlay: exact h(t) (fine), each rule's samples h_k at t = (k+1)Δ, from h = 0 at t = 0. */
export interface Overlay {
  series: Series[];
  yDomain: [number, number];
  /** Each rule's h_k (steps), unpinned, for readouts and tests. */
  samples: Record<DiscretisationRule, Float64Array>;
  times: Float64Array;
  exact: Float64Array;
}

export function overlay(lambda: number, delta: number, signal: SignalName): Overlay {
  const ssm = modeFor(lambda);
  const inputs = heldSamples((t) => signalValue(signal, t), delta, HORIZON);
  const perStep = Math.max(1, Math.ceil(600 / inputs.length));
  const path = exactContinuousPath(ssm, delta, inputs, perStep);
  const exact = Float64Array.from([0, ...path.states]);
  const times = Float64Array.from({ length: inputs.length + 1 }, (_, k) => k * delta);
  const samples = {} as Record<DiscretisationRule, Float64Array>;
  for (const rule of DISCRETISATION_RULES) samples[rule] = simulateDiscrete(rule, ssm, delta, inputs).states;
  // The vertical range holds the exact curve and every stable rule; an unstable run leaves it.
  const bounded = DISCRETISATION_RULES.filter((rule) => stability(rule, -lambda, delta).stable).flatMap((rule) => Array.from(samples[rule], Math.abs));
  const limit = 1.15 * Math.max(0.5, ...Array.from(exact, Math.abs), ...bounded);
  const series: Series[] = DISCRETISATION_RULES.map((rule) => ({
    name: RULE_LABELS[rule],
    x: times,
    y: pinToRange([0, ...samples[rule]], -limit, limit),
    color: RULE_COLORS[rule],
    points: true,
    dashed: true,
    sym: `rule-${rule}`,
  }));
  // Drawn last, so the exact curve stays visible on top of the samples that land on it.
  series.push({ name: "exact h(t)", x: [0, ...path.times], y: exact, color: EXACT_COLOR, sym: "exact" });
  return { series, yDomain: [-limit, limit], samples, times, exact };
}

export const ERROR_FLOOR = 1e-17;
export const ERROR_CEILING = 1e3;
/** The Δ sweep of the error figure. */
export const SWEEP_DELTAS = logSpace(1e-3, 2, 34);

/** Errors of every rule over the sweep, pinned to [ERROR_FLOOR, ERROR_CEILING]; the reader's Δ as a vertical line. */
export function errorSeries(lambda: number, signal: SignalName, delta: number): { series: Series[]; orders: Record<DiscretisationRule, number>; errors: Record<DiscretisationRule, Float64Array> } {
  const errors = errorSweep(modeFor(lambda), (t) => signalValue(signal, t), HORIZON, SWEEP_DELTAS);
  const small = SWEEP_DELTAS.findIndex((d) => d > 1e-2);
  const orders = {} as Record<DiscretisationRule, number>;
  const series: Series[] = DISCRETISATION_RULES.map((rule) => {
    orders[rule] = convergenceOrder(SWEEP_DELTAS.subarray(0, small), errors[rule].subarray(0, small));
    const floored = errors[rule].map((e) => Math.max(e, ERROR_FLOOR));
    return { name: RULE_LABELS[rule], x: SWEEP_DELTAS, y: pinToRange(floored, ERROR_FLOOR, ERROR_CEILING), color: RULE_COLORS[rule], points: true, sym: `rule-${rule}` };
  });
  series.push({ name: "your Δ", x: [delta, delta], y: [ERROR_FLOOR, ERROR_CEILING], color: EXACT_COLOR, dashed: true });
  return { series, orders, errors };
}

/** Ā against Δλ for Euler, bilinear and ZOH (= Mamba's Ā), and each rule's Ā at the reader's Δλ. */
export function stabilityData(lambda: number, delta: number): StabilityMapData {
  const current = lambda * delta;
  const x = linspace(0, Math.max(4, 1.15 * current), 240);
  const rules: [DiscretisationRule, string][] = [["euler", "Euler"], ["bilinear", "bilinear"], ["zoh", "ZOH = Mamba"]];
  return {
    current,
    curves: rules.map(([rule, name]) => ({
      name,
      color: RULE_COLORS[rule],
      x,
      // Ā depends on Δ and a only through z = Δa, so a = −1 with Δ = Δλ traces the whole curve.
      aBar: x.map((dl) => discretise(rule, -1, 0, dl).aBar),
      current: stability(rule, -lambda, delta).aBar,
    })),
  };
}

/** (e^z − 1)/z on [min(−6, z), 0.5] and the reader's z marked by a vertical line up to the curve. */
export function ratioSeries(z: number): Series[] {
  const zs = linspace(Math.min(-6, 1.1 * z), 0.5, 300);
  const ratio = zohOverEulerRatio(z);
  return [
    { name: "(e^z − 1)/z", x: zs, y: zs.map(zohOverEulerRatio), color: RULE_COLORS.zoh, sym: "ratio" },
    { name: `your z = Δa`, x: [z, z], y: [0, ratio], color: EXACT_COLOR, dashed: true, points: true },
  ];
}
