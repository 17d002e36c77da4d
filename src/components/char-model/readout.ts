/**
 * What the figures of a character model read off a run (engine.ts ModelRun, batch 1), pure and typed:
 * surprise per character, the next character's most likely candidates, one layer's tensors for one
 * channel, and the decoding state a run ends in. No DOM.
 */
import { logSoftmax, surprisalBits } from "../../engine/char-lm.js";
import type { CharTokenizer } from "../../engine/char-tokenizer.js";
import type { LayerRun, ModelRun } from "../../engine/engine.js";
import type { LmState } from "../../engine/model.js";
import type { Numbers } from "../../engine/types.js";

/**
 * Surprise of every character of the text in bits: run on ids = [start, c_1, …, c_T] gives logits at
 * positions 0…T; character t is predicted at position t − 1: surprise_t = −log₂ p(c_t | start, c_<t).
 */
export function characterSurprise(run: ModelRun, ids: readonly number[]): Float64Array {
  return surprisalBits(run.logits, run.vocab, ids.slice(1));
}

/** The mean of `surprise`: bits per character. */
export function meanBits(surprise: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < surprise.length; i++) total += surprise[i];
  return total / surprise.length;
}

export interface NextCharacter {
  id: number;
  character: string;
  probability: number;
}

/** The `k` most likely next characters after position `position` of the run (0: after the start character). */
export function topNext(run: ModelRun, tokenizer: CharTokenizer, position: number, k = 8): NextCharacter[] {
  const row = run.logits.subarray(position * run.vocab, (position + 1) * run.vocab);
  const probabilities = logSoftmax(row).map(Math.exp);
  return Array.from(probabilities, (probability, id) => ({ id, probability, character: tokenizer.token(id) }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}

/** The probability the run gives `id` after `position`. */
export function probabilityOf(run: ModelRun, position: number, id: number): number {
  return Math.exp(logSoftmax(run.logits.subarray(position * run.vocab, (position + 1) * run.vocab))[id]);
}

/** Sizes of one layer, read off its run. */
export function layerSizes(layer: LayerRun): { length: number; channels: number; state: number } {
  const state = layer.B.length / layer.length;
  return { length: layer.length, channels: layer.A.length / state, state };
}

/** Column `channel` of a (length, channels) tensor: one channel over the tokens. */
export function channelSeries(values: Numbers, length: number, channels: number, channel: number): Float64Array {
  return Float64Array.from({ length }, (_, t) => values[t * channels + channel]);
}

/** Row `channel` of A (channels, state): the channel's N poles. */
export function channelA(layer: LayerRun, channel: number): Float64Array {
  const { state } = layerSizes(layer);
  return Float64Array.from(layer.A.subarray(channel * state, (channel + 1) * state));
}

/** h of one channel after every token, (length, state), from a layer run that kept its states. */
export function channelStates(layer: LayerRun, channel: number): Float64Array | undefined {
  if (!layer.states) return undefined;
  const { length, channels, state } = layerSizes(layer);
  return Float64Array.from({ length: length * state }, (_, i) => layer.states![(Math.floor(i / state) * channels + channel) * state + (i % state)]);
}

/** (rows, length) ← the (length, columns) tensor's columns [first, first + rows), transposed: channels down, tokens across. */
export function transposedWindow(values: Numbers, length: number, columns: number, first: number, rows: number): Float64Array {
  const out = new Float64Array(rows * length);
  for (let r = 0; r < rows; r++) for (let t = 0; t < length; t++) out[r * length + t] = values[t * columns + first + r];
  return out;
}

/** The decoding state after the run's last token: per layer the conv window and h (batch 1). */
export function stateAfterRun(run: ModelRun): LmState {
  return run.layers.map((layer) => ({ convWindow: Float64Array.from(layer.convState), h: Float64Array.from(layer.finalState) }));
}
