/**
 * A reader's perturbation of one layer's selective scan (src/math.md#overrides), as plain data, and the
 * engine overrides (engine/types.ts ScanOverrides) it becomes. No DOM, so unit tests cover it in Node.
 *   Δ_t ← s_Δ · Δ_t and C_t ← s_C · C_t for the tokens in [first, last];
 *   A[c, ·] ← s_A · A[c, ·] for one channel c;  B_t ← 0 at the chosen tokens.
 */
import type { ScanOverrides } from "../../engine/types.js";

export interface PerturbationState {
  /** First and last token (inclusive) that the Δ and C scales apply to; clipped to the sequence. */
  range: [number, number];
  deltaScale: number;
  cScale: number;
  /** The channel whose row of A is scaled by aScale. */
  channel: number;
  aScale: number;
  /** Tokens whose B is set to 0. */
  zeroB: ReadonlySet<number>;
}

/** True when the state changes nothing (so a perturbed run equals the original). */
export function isUnperturbed(state: PerturbationState): boolean {
  return state.deltaScale === 1 && state.cScale === 1 && state.aScale === 1 && state.zeroB.size === 0;
}

/** The tokens in range, clipped to a sequence of `length` tokens: [first, last], first > last when none. */
export function clippedRange(state: PerturbationState, length: number): [number, number] {
  const [from, to] = [Math.min(...state.range), Math.max(...state.range)];
  return [Math.max(0, from), Math.min(length - 1, to)];
}

/**
 * The overrides of `state` for a sequence of `length` tokens and a layer of `channels` × `stateSize`:
 * Δ (length, channels) and C (length, state) scaled in the token range, A (channels, state) scaled on
 * one channel's row, B (length, state) set to 0 on the chosen tokens (NaN elsewhere = keep computed).
 */
export function buildOverrides(state: PerturbationState, length: number, channels: number, stateSize: number): ScanOverrides {
  const overrides: ScanOverrides = {};
  const [first, last] = clippedRange(state, length);
  const inRange = (t: number) => t >= first && t <= last;
  if (state.deltaScale !== 1) {
    overrides.delta = { scale: Float64Array.from({ length: length * channels }, (_, i) => (inRange(Math.floor(i / channels)) ? state.deltaScale : 1)) };
  }
  if (state.cScale !== 1) {
    overrides.C = { scale: Float64Array.from({ length: length * stateSize }, (_, i) => (inRange(Math.floor(i / stateSize)) ? state.cScale : 1)) };
  }
  if (state.aScale !== 1 && state.channel >= 0 && state.channel < channels) {
    overrides.A = { scale: Float64Array.from({ length: channels * stateSize }, (_, i) => (Math.floor(i / stateSize) === state.channel ? state.aScale : 1)) };
  }
  const zeroed = [...state.zeroB].filter((t) => t >= 0 && t < length);
  if (zeroed.length > 0) {
    overrides.B = { set: Float64Array.from({ length: length * stateSize }, (_, i) => (zeroed.includes(Math.floor(i / stateSize)) ? 0 : NaN)) };
  }
  return overrides;
}

/** One line for readers: what the perturbation does, or "none". */
export function describePerturbation(state: PerturbationState, tokenLabel: (t: number) => string, length: number): string {
  if (isUnperturbed(state)) return "no perturbation";
  const [first, last] = clippedRange(state, length);
  const span = first > last ? "no tokens" : first === last ? tokenLabel(first) : `${tokenLabel(first)}…${tokenLabel(last)}`;
  const parts: string[] = [];
  if (state.deltaScale !== 1) parts.push(`Δ × ${state.deltaScale} on ${span}`);
  if (state.cScale !== 1) parts.push(`C × ${state.cScale} on ${span}`);
  if (state.aScale !== 1) parts.push(`A of channel ${state.channel} × ${state.aScale}`);
  const zeroed = [...state.zeroB].filter((t) => t < length).sort((a, b) => a - b);
  if (zeroed.length) parts.push(`B = 0 at ${zeroed.map(tokenLabel).join(", ")}`);
  return parts.join("; ");
}
