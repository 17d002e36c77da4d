/**
 * The block widget's pure parts: the reader's tokens, their embeddings, the perturbations they made
 * and the ScanOverrides (types.ts) those become. No DOM, so unit tests cover them in Node.
 */
import { createRandom } from "../../engine/random.js";
import type { BRule, ScanOverrides } from "../../engine/types.js";
import { inputScale } from "../../engine/discretise.js";

export const MAX_TOKENS = 24;

/** Whitespace-separated tokens, at most MAX_TOKENS; `dropped` counts what was cut. */
export function tokenize(text: string): { tokens: string[]; dropped: number } {
  const all = text.split(/\s+/).filter((token) => token.length > 0);
  return { tokens: all.slice(0, MAX_TOKENS), dropped: Math.max(0, all.length - MAX_TOKENS) };
}

/** A 32-bit FNV-1a hash of a token, so the same token always gets the same embedding. */
function hashToken(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** (length, dModel): each token's embedding, N(0, 1) entries seeded by the token and `seed`. */
export function embedTokens(tokens: readonly string[], dModel: number, seed: number): Float64Array {
  const input = new Float64Array(tokens.length * dModel);
  tokens.forEach((token, t) => {
    const random = createRandom((hashToken(token) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
    for (let d = 0; d < dModel; d++) input[t * dModel + d] = random.normal();
  });
  return input;
}

/** What the reader changed. Token indices past the sequence's end are ignored. */
export interface PerturbationState {
  /** First and last token (inclusive) that the Δ and C scales apply to. */
  range: [number, number];
  deltaScale: number;
  cScale: number;
  /** Channel whose row of A is scaled by aScale. */
  channel: number;
  aScale: number;
  /** Tokens whose B is set to 0. */
  zeroB: ReadonlySet<number>;
}

export const NO_PERTURBATION: Omit<PerturbationState, "range" | "channel"> = { deltaScale: 1, cScale: 1, aScale: 1, zeroB: new Set() };

/** True when the state changes nothing (so the perturbed run equals the original). */
export function isUnperturbed(state: PerturbationState): boolean {
  return state.deltaScale === 1 && state.cScale === 1 && state.aScale === 1 && state.zeroB.size === 0;
}

/**
 * The engine overrides of `state` for a sequence of `length` tokens: Δ (length, channels) scaled in
 * the token range, C (length, state) scaled there too, A (channels, state) scaled on one channel's
 * row, and B (length, state) set to 0 on the chosen tokens (NaN elsewhere = keep computed).
 */
export function buildOverrides(state: PerturbationState, length: number, channels: number, stateSize: number): ScanOverrides {
  const overrides: ScanOverrides = {};
  const [first, last] = [Math.max(0, state.range[0]), Math.min(length - 1, state.range[1])];
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

/**
 * h_t[n] = exp(Δ_t A[n]) h_{t−1}[n] + B̄_t[n] x_t for one channel (MAMBA-SPEC §5 step 6), from the
 * scan's own inputs: delta (length, channels), A (channels, state), B (length, state), x (length,
 * channels). Returns (length, state). The block never writes h to memory, so the widget recomputes
 * the one channel it shows.
 */
export function channelStates(
  delta: ArrayLike<number>,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  x: ArrayLike<number>,
  dims: { length: number; channels: number; state: number },
  channel: number,
  rule: BRule = "mamba",
): Float64Array {
  const { length, channels, state } = dims;
  const states = new Float64Array(length * state);
  for (let t = 0; t < length; t++) {
    const dt = delta[t * channels + channel];
    const input = x[t * channels + channel];
    for (let n = 0; n < state; n++) {
      const a = A[channel * state + n];
      const previous = t > 0 ? states[(t - 1) * state + n] : 0;
      states[t * state + n] = Math.exp(dt * a) * previous + inputScale(rule, a, dt) * B[t * state + n] * input;
    }
  }
  return states;
}
