/**
 * The convolution-vs-scan chapter's data, from a fresh Mamba block (official init, seeded) run by the
 * float64 reference on a random input sequence: one channel's scan, either selective (Δ, B, C change
 * with the token, as the block computed them) or frozen (the values of one token used at every step,
 * which makes the scan time-invariant, MAMBA-SPEC §3), and the kernel K̄ of the frozen case.
 */
import { mambaBlockForward } from "../../engine/block.js";
import { initMambaBlock } from "../../engine/init.js";
import { ltiKernel } from "../../engine/kernel.js";
import { createRandom } from "../../engine/random.js";
import { check } from "../../engine/errors.js";
import type { ScanPairs } from "../../engine/scans.js";
import type { SelectiveScanInputs } from "../../engine/types.js";

export const D_MODEL = 8;
export const CHANNELS = 2 * D_MODEL;
export const STATE = 16;

/** What the block computed on the sequence, token-major as in block.ts. */
export interface LiveBlock {
  length: number;
  /** (length, channels): the scan's input x = SiLU(conv(in_proj(u))) */
  x: Float64Array;
  /** (length, channels) */
  delta: Float64Array;
  /** (channels, state) */
  A: Float64Array;
  /** (length, state) */
  B: Float64Array;
  /** (length, state) */
  C: Float64Array;
}

/** The block of `seed` on `length` random token embeddings u ~ N(0, 1) (length, dModel). */
export function liveBlock(seed: number, length: number): LiveBlock {
  const weights = initMambaBlock({ dModel: D_MODEL, dInner: CHANNELS, dState: STATE, dtRank: Math.ceil(D_MODEL / 16), convWidth: 4 }, createRandom(seed));
  const random = createRandom(seed + 7919);
  const input = random.fill(length * D_MODEL, () => random.normal());
  const result = mambaBlockForward(weights, input, 1, length);
  return { length, x: result.xConv, delta: result.delta, A: result.A, B: result.B, C: result.C };
}

/** How the reader set up one channel: which channel, Δ scaled by `deltaScale`, and frozen at a token or not. */
export interface ChannelChoice {
  channel: number;
  deltaScale: number;
  /** The token whose Δ, B, C are used at every step; null = selective (each token its own). */
  frozenAt: number | null;
}

/** Δ, and the diagonal Ā = e^{ΔA}, B̄ = ΔB (Mamba's rule) and C of one token for one channel, each (state). */
export interface TokenParameters {
  delta: number;
  aBar: Float64Array;
  bBar: Float64Array;
  c: Float64Array;
}

export function tokenParameters(block: LiveBlock, channel: number, token: number, deltaScale: number): TokenParameters {
  const delta = deltaScale * block.delta[token * CHANNELS + channel];
  const row = (values: Float64Array) => values.slice(token * STATE, (token + 1) * STATE);
  return {
    delta,
    aBar: Float64Array.from(block.A.slice(channel * STATE, (channel + 1) * STATE), (a) => Math.exp(delta * a)),
    bBar: row(block.B).map((b) => delta * b),
    c: row(block.C),
  };
}

/** K̄_ℓ = Σ_n C_n B̄_n Ā_n^ℓ for ℓ < length, from the frozen token's parameters. */
export function frozenKernel(block: LiveBlock, choice: ChannelChoice, frozenAt: number): Float64Array {
  const p = tokenParameters(block, choice.channel, frozenAt, choice.deltaScale);
  return ltiKernel(p.aBar, p.bBar, p.c, block.length);
}

/** The channel's input x_t (length). */
export function channelInput(block: LiveBlock, channel: number): Float64Array {
  return Float64Array.from({ length: block.length }, (_, t) => block.x[t * CHANNELS + channel]);
}

/** The channel's scan in the golden layout (batch 1, channels 1), no skip and no gate: its y is Σ_n C_t[n] h_t[n]. */
export function channelScanInputs(block: LiveBlock, choice: ChannelChoice): SelectiveScanInputs {
  const { length } = block;
  const source = (t: number) => choice.frozenAt ?? t;
  const perState = (values: Float64Array) => Float64Array.from({ length: STATE * length }, (_, i) => values[source(i % length) * STATE + Math.floor(i / length)]);
  return {
    batch: 1,
    channels: 1,
    length,
    state: STATE,
    u: channelInput(block, choice.channel),
    delta: Float64Array.from({ length }, (_, t) => choice.deltaScale * block.delta[source(t) * CHANNELS + choice.channel]),
    A: block.A.slice(choice.channel * STATE, (choice.channel + 1) * STATE),
    B: perState(block.B),
    C: perState(block.C),
    rule: "mamba",
  };
}

/**
 * The pairs (a_t, b_t) = (Ā_t[n], B̄_t[n] x_t) of one state n over the first `count` tokens: the
 * recurrence h_t = a_t h_{t−1} + b_t that the parallel scans compute.
 */
export function scanPairs(block: LiveBlock, choice: ChannelChoice, stateIndex: number, count: number): ScanPairs {
  const inputs = channelScanInputs(block, choice);
  const tokens = Math.min(count, block.length);
  const a = new Float64Array(tokens);
  const b = new Float64Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const delta = inputs.delta[t];
    a[t] = Math.exp(delta * inputs.A[stateIndex]);
    b[t] = delta * inputs.B[stateIndex * block.length + t] * inputs.u[t];
  }
  return { a, b };
}

/**
 * The reader's own pairs (a, b) repeated in order over `count` positions, (p₁, p₂, p₃, p₁, …): the
 * same recurrence h_t = a_t h_{t−1} + b_t as the model's pairs, over as many positions.
 */
export function repeatedPairs(pairs: readonly (readonly [number, number])[], count: number): ScanPairs {
  check(pairs.length > 0, "repeatedPairs: give at least one pair (a, b)");
  return {
    a: Float64Array.from({ length: count }, (_, t) => pairs[t % pairs.length][0]),
    b: Float64Array.from({ length: count }, (_, t) => pairs[t % pairs.length][1]),
  };
}

/** The largest |a_i − b_i|. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
