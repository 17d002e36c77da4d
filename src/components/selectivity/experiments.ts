/**
 * The perturbation experiments of the selectivity chapter, as the engine's ScanOverrides per layer:
 *   shrink-delta  Δ_t ← s·Δ_t from a data token on, `span` tokens (the model should forget it)
 *   raise-delta   Δ_t ← v     at one noise token                (the noise overwrites the memory)
 *   zero-b        B_t ← 0     from a token on, `span` tokens     (the token cannot enter the state)
 *   swap-c        C_i ↔ C_j   at two markers                    (the read-outs are exchanged)
 * A span longer than 1 matters because the block's causal convolution (width k) hands a token's
 * features to the k − 1 positions after it, and the scan can write them from there too.
 * Overrides are shaped as in types.ts: Δ (length, channels), B and C (length, state).
 */
import { check } from "../../engine/errors.js";
import type { ModelRun } from "../../engine/engine.js";
import type { MambaConfig, Numbers, ScanOverrides } from "../../engine/types.js";

export type ExperimentKind = "none" | "shrink-delta" | "raise-delta" | "zero-b" | "swap-c";

export const EXPERIMENT_KINDS: readonly ExperimentKind[] = ["none", "shrink-delta", "raise-delta", "zero-b", "swap-c"];

export interface Experiment {
  kind: ExperimentKind;
  /** The layers perturbed (0-based). */
  layers: readonly number[];
  /** The token position for shrink-delta, raise-delta and zero-b. */
  position: number;
  /** shrink-delta and zero-b: how many tokens from `position` on are perturbed. */
  span: number;
  /** shrink-delta: the factor s multiplying Δ (0 ≤ s ≤ 1). */
  shrink: number;
  /** raise-delta: the value v given to Δ on every channel. */
  raiseTo: number;
  /** swap-c: the two positions whose C are exchanged. */
  swap: readonly [number, number];
}

/** (rows, width) filled with `fill`, with rows [first, first + count) (clipped to `rows`) set to `value`. */
function someRows(rows: number, width: number, first: number, count: number, fill: number, value: number): Float64Array {
  const values = new Float64Array(rows * width).fill(fill);
  values.fill(value, first * width, Math.min(rows, first + count) * width);
  return values;
}

/** The ScanOverrides of a position-wise experiment, the same in every perturbed layer. */
function positionOverrides(experiment: Experiment, config: MambaConfig, length: number): ScanOverrides {
  const { dInner, dState } = config;
  const t = experiment.position;
  switch (experiment.kind) {
    case "shrink-delta":
      return { delta: { scale: someRows(length, dInner, t, experiment.span, 1, experiment.shrink) } };
    case "raise-delta":
      return { delta: { set: someRows(length, dInner, t, 1, Number.NaN, experiment.raiseTo) } };
    case "zero-b":
      return { B: { scale: someRows(length, dState, t, experiment.span, 1, 0) } };
    default:
      return {};
  }
}

/** C with rows i and j of batch row 0 exchanged, NaN (= keep) everywhere else, as a `set` override. */
export function swappedC(computed: { C: Numbers }, length: number, dState: number, [i, j]: readonly [number, number]): Float64Array {
  const set = new Float64Array(length * dState).fill(Number.NaN);
  set.set(computed.C.subarray(j * dState, (j + 1) * dState), i * dState);
  set.set(computed.C.subarray(i * dState, (i + 1) * dState), j * dState);
  return set;
}

/** True when the experiment's overrides are built from what the layers computed (swap-c): one sequence at a time, after a plain run. */
export function needsComputedRun(experiment: Experiment): boolean {
  return experiment.kind === "swap-c";
}

/**
 * The overrides of `experiment` per layer, for a model and sequence length. swap-c exchanges each layer's
 * own C, so it needs `computed`, the plain run of the same (single) sequence.
 */
export function experimentOverrides(experiment: Experiment, config: MambaConfig, length: number, computed?: ModelRun): (ScanOverrides | undefined)[] {
  if (experiment.kind === "none") return [];
  const positions = experiment.kind === "swap-c" ? experiment.swap : [experiment.position];
  for (const t of positions) check(Number.isInteger(t) && t >= 0 && t < length, `perturbed position ${t} is outside the sequence 0..${length - 1}`);
  check(Number.isInteger(experiment.span) && experiment.span >= 1, `the span must be a whole number of tokens ≥ 1, got ${experiment.span}`);
  const perturbed = (layer: number) => experiment.layers.includes(layer);
  if (experiment.kind === "swap-c") {
    check(computed !== undefined && computed.batch === 1, "swap-c needs the plain run of one sequence");
    return Array.from({ length: config.numLayers }, (_, layer) => (perturbed(layer) ? { C: { set: swappedC(computed!.layers[layer], length, config.dState, experiment.swap) } } : undefined));
  }
  const overrides = positionOverrides(experiment, config, length);
  return Array.from({ length: config.numLayers }, (_, layer) => (perturbed(layer) ? overrides : undefined));
}
