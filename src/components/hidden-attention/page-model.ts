/**
 * The hidden-attention page's one door to the models and the engines:
 *  - a run of a character model on the reader's text on the page's engine (components/page-engine.ts),
 *    each layer's scan tensors read off it;
 *  - M of one channel and the summary of a layer on the page's tfjs backend, or in float64 when the
 *    page's engine is the float64 reference;
 *  - the scan, the quadratic and the chunked form of a scalar-A case, for timing on that backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import { contextIds, type CharModel } from "../../engine/char-lm.js";
import { describeUnknown } from "../../engine/char-tokenizer.js";
import type { Engine } from "../../engine/engine.js";
import { check } from "../../engine/errors.js";
import { hiddenAttentionTf, layerSummaryTf, ssdChunkedTf, ssdQuadraticTf } from "../../engine/gpu/hidden-attention.js";
import { channelOfScan, hiddenAttention, layerSummary, mixTokens, ssdChunked, ssdFactors, type ChannelScan, type LayerScan } from "../../engine/hidden-attention.js";
import { selectiveScan } from "../../engine/selective-scan.js";
import type { BRule, SelectiveScanInputs } from "../../engine/types.js";

/** What the page opens with: a short text (the first figure must appear within seconds without a GPU). */
export const DEFAULTS = {
  text: "The cat sat on the mat. Then the cat saw a rat, and the rat ran.",
  layer: "0",
  channel: 438,
  state: 0,
  chunk: 16,
} as const;

/** The longest text the page reads: M is (L, L) per channel, and the summary holds all of a layer's channels. */
export const MAX_TEXT = 160;

/** How a character is written on the page's axes: a space as ␣, a newline (and the start of the text) as ⏎. */
export function characterLabel(character: string): string {
  return character === " " ? "␣" : character === "\n" ? "⏎" : character;
}

/** One model's reading of a text. */
export interface TextRun {
  /** The tokens read, as labels: the start symbol ⏎, then one per character (� for one outside the vocabulary). */
  labels: string[];
  /** Token positions (in labels) read as the unknown symbol. */
  unknown: number[];
  /** One line about the unknown characters, when there are any. */
  unknownNote?: string;
  numLayers: number;
  /** Layer i's scan tensors. */
  layer(index: number): LayerScan;
}

/** Reads the start symbol and `text` with `charModel` on `engine`: one model run, every layer's scan tensors kept. */
export async function runText(engine: Engine, charModel: CharModel, text: string): Promise<TextRun> {
  const { model, tokenizer } = charModel;
  const { ids, encoding } = contextIds(tokenizer, text);
  check(encoding.ids.length > 0, "the text is empty: type a few characters");
  check(encoding.ids.length <= MAX_TEXT, `the text has ${encoding.ids.length} characters; the page reads at most ${MAX_TEXT}`);
  const { dInner, dState, numLayers } = model.config;
  const run = await engine.runModel(model, [ids]);
  const rule: BRule = "mamba";
  const layers = run.layers.map((layer): LayerScan => ({ length: ids.length, channels: dInner, state: dState, u: layer.u, delta: layer.delta, A: layer.A, B: layer.B, C: layer.C, rule }));
  const layer = (index: number): LayerScan => {
    check(Number.isInteger(index) && index >= 0 && index < numLayers, `layer ${index} is outside 0..${numLayers - 1}`);
    return layers[index];
  };
  const labels = ["⏎", ...encoding.ids.map((id, i) => (id === tokenizer.unknownId ? "�" : characterLabel(encoding.characters[i])))];
  return { labels, unknown: encoding.unknown.map((entry) => entry.index + 1), unknownNote: describeUnknown(encoding.unknown), numLayers, layer };
}

/** The outcome of reading a text: the run to show (the last good one after bad input) and a line for the reader. */
export interface Reading {
  run: TextRun;
  message: string;
  /** "flagged": read, with characters outside the vocabulary; "error": not read (the figures keep the last text). */
  kind: "ok" | "flagged" | "error";
}

/**
 * Reads texts with one model on `engine`, keeping the last good run: bad input (an empty text) gets its
 * one-line message while the figures keep showing the previous text. The first text must be good.
 */
export function textReader(engine: Engine, charModel: CharModel): (text: string) => Promise<Reading> {
  let last: TextRun | undefined;
  return async (text) => {
    try {
      last = await runText(engine, charModel, text);
      const characters = last.labels.length - 1;
      return { run: last, message: last.unknownNote ?? `${characters} characters, read after the start symbol ⏎: L = ${characters + 1} tokens.`, kind: last.unknownNote ? "flagged" : "ok" };
    } catch (error) {
      if (!last) throw error;
      return { run: last, message: error instanceof Error ? error.message : String(error), kind: "error" };
    }
  };
}


/** The scan, the quadratic and the chunked form of a scalar-A case, each returning y (channels · length). */
export interface CostForms {
  scan(inputs: SelectiveScanInputs): Promise<ArrayLike<number>>;
  quadratic(inputs: SelectiveScanInputs): Promise<ArrayLike<number>>;
  chunked(inputs: SelectiveScanInputs, chunkSize: number): Promise<ArrayLike<number>>;
}

/** Where the page's matrices are computed. */
export interface MatrixEngine {
  /** "webgpu" | "webgl" | "cpu" (tfjs), or "reference" (float64) when no tfjs backend started. */
  readonly backend: string;
  /** M of one channel, (L, L). */
  channelMatrix(channel: ChannelScan): Promise<ArrayLike<number>>;
  /** The layer's summary over channels, (L, L). */
  layerSummary(layer: LayerScan): Promise<ArrayLike<number>>;
  forms: CostForms;
}

/** One channel as a layer of one channel (the token-major layouts coincide). */
function singleChannelLayer(channel: ChannelScan): LayerScan {
  return { length: channel.length, channels: 1, state: channel.state, u: channel.u, delta: channel.delta, A: channel.A, B: channel.B, C: channel.C, rule: channel.rule };
}

/** Reads a tensor back once and frees it, also when the read fails. */
async function readBack(tensor: tf.Tensor): Promise<Float32Array> {
  try {
    return (await tensor.data()) as Float32Array;
  } finally {
    tensor.dispose();
  }
}

function gpuMatrixEngine(engine: Engine): MatrixEngine {
  return {
    get backend() {
      return engine.backend;
    },
    channelMatrix: (channel) => readBack(hiddenAttentionTf(singleChannelLayer(channel))),
    layerSummary: (layer) => readBack(tf.tidy(() => layerSummaryTf(hiddenAttentionTf(layer)))),
    forms: {
      scan: async (inputs) => (await engine.scan(inputs)).y,
      quadratic: (inputs) => readBack(ssdQuadraticTf(inputs)),
      chunked: (inputs, chunkSize) => readBack(ssdChunkedTf(inputs, chunkSize)),
    },
  };
}

/** Every channel of a case through a float64 function of one channel, concatenated. */
function perChannel(inputs: SelectiveScanInputs, run: (channel: ChannelScan) => Float64Array): Float64Array {
  const y = new Float64Array(inputs.channels * inputs.length);
  for (let c = 0; c < inputs.channels; c++) y.set(run(channelOfScan(inputs, c)), c * inputs.length);
  return y;
}

/** The float64 reference in the same shape, for a browser where no tfjs backend starts. */
export const referenceMatrixEngine: MatrixEngine = {
  backend: "reference",
  channelMatrix: async (channel) => hiddenAttention(channel),
  layerSummary: async (layer) => layerSummary(layer),
  forms: {
    scan: async (inputs) => selectiveScan(inputs).y,
    quadratic: async (inputs) => perChannel(inputs, (channel) => mixTokens(ssdFactors(channel).matrix, channel.u)),
    chunked: async (inputs, chunkSize) => perChannel(inputs, (channel) => ssdChunked(channel, chunkSize).y),
  },
};

/** The matrices on the page engine's tfjs backend, or in float64 when the page runs the float64 reference. */
export function matrixEngineFor(engine: Engine): MatrixEngine {
  return engine.backend === "reference" ? referenceMatrixEngine : gpuMatrixEngine(engine);
}
