/**
 * One channel of the live Mamba block, for the chapters that look at it as an SSM: a fresh block
 * (official init, seeded, as in the block widget) run on the page's engine (GPU unless
 * ?backend=reference), and the pure shaping of what one channel does: its A row, Δ, B and C at a
 * token, and its states recomputed from the scan's own inputs.
 */
import { initMambaBlock } from "../engine/init.js";
import { createRandom } from "../engine/random.js";
import type { MambaBlockWeights, ScanOverrides } from "../engine/types.js";
import { channelStates, embedTokens, tokenize } from "./widget/perturbations.js";
import { scanInput, widgetEngine, type WidgetRun } from "./widget/widget-engine.js";

export const LIVE_SENTENCE = "the cat sat on the mat because it was warm and the dog slept";
export const LIVE_D_MODEL = 8;
export const LIVE_CHANNELS = 2 * LIVE_D_MODEL;
export const LIVE_STATE = 16;

/** One run of the block: the scan's inputs and outputs (token-major, see WidgetRun) and its input x (length, channels). */
export interface LiveRun {
  tokens: string[];
  run: WidgetRun;
  x: Float64Array;
  engineLabel: string;
}

let weights: MambaBlockWeights | undefined;

/** The block's weights for seed 1 (created once per page). */
function liveWeights(): MambaBlockWeights {
  weights ??= initMambaBlock({ dModel: LIVE_D_MODEL, dInner: LIVE_CHANNELS, dState: LIVE_STATE, dtRank: Math.ceil(LIVE_D_MODEL / 16), convWidth: 4 }, createRandom(1));
  return weights;
}

/** Runs the fresh block on `sentence` with `overrides` on the page's engine. */
export async function runLiveBlock(sentence: string, overrides: ScanOverrides = {}): Promise<LiveRun> {
  const engine = await widgetEngine(location.search);
  const { tokens } = tokenize(sentence);
  const input = embedTokens(tokens, LIVE_D_MODEL, 1);
  const block = liveWeights();
  const run = await engine.run(block, input, tokens.length, overrides);
  return { tokens, run, x: scanInput(block, input, tokens.length), engineLabel: engine.label };
}

/** Channel `channel` at token `token` as a continuous SSM: A row, Δ, B_t and C_t, each (state) but Δ. */
export interface ChannelAtToken {
  a: Float64Array;
  delta: number;
  b: Float64Array;
  c: Float64Array;
}

export function channelAtToken(live: LiveRun, channel: number, token: number): ChannelAtToken {
  const { run } = live;
  const at = (values: ArrayLike<number>, offset: number) => Float64Array.from({ length: LIVE_STATE }, (_, n) => values[offset + n]);
  return {
    a: at(run.A, channel * LIVE_STATE),
    delta: run.delta[token * LIVE_CHANNELS + channel],
    b: at(run.B, token * LIVE_STATE),
    c: at(run.C, token * LIVE_STATE),
  };
}

/** h_t[n] of one channel (length, state), recomputed from the run's Δ, A, B and x (Mamba's rule). */
export function liveChannelStates(live: LiveRun, channel: number): Float64Array {
  const { run } = live;
  return channelStates(run.delta, run.A, run.B, live.x, { length: live.tokens.length, channels: LIVE_CHANNELS, state: LIVE_STATE }, channel);
}
