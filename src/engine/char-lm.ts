/**
 * A character-level Mamba language model: a checkpoint plus its character tokenizer (char-tokenizer.ts), and what
 * readers and the CLI do with it — surprise per character, bits per character, the next character's
 * distribution and sampling (src/math.md#decoding). Float64, framework-free; the GPU engine's logits go through
 * the same functions.
 *
 * Reading a text: a newline before it stands for the start of a document (the corpus separates documents with
 * blank lines), so the model predicts every character of the text, the first one included:
 *   bits per character = −(1/T) Σ_t log₂ p(c_t | newline, c_<t).
 */
import { charTokenizer, type CharEncoding, type CharTokenizer } from "./char-tokenizer.js";
import { loadMambaCheckpoint } from "./checkpoint.js";
import { check } from "./errors.js";
import { initialLmState, lmStep, type LmState } from "./model.js";
import { createRandom } from "./random.js";
import type { MambaModel, Numbers } from "./types.js";

export interface CharModel {
  model: MambaModel;
  tokenizer: CharTokenizer;
}

/** The character that stands for the start of a document. */
export const START_CHARACTER = "\n";

/** Builds a character model from config.json, model.safetensors and tokenizer.json; their sizes must agree. */
export function loadCharModel(config: unknown, weights: Uint8Array, tokenizerJson: unknown, label = "model"): CharModel {
  const model = loadMambaCheckpoint(config, weights, `${label}/model.safetensors`);
  const tokenizer = charTokenizer(tokenizerJson, `${label}/tokenizer.json`);
  check(
    tokenizer.vocabSize === model.config.vocabSize,
    `${label}/tokenizer.json has ${tokenizer.vocabSize} symbols but the checkpoint's vocabulary is ${model.config.vocabSize}`,
  );
  return { model, tokenizer };
}

/** The ids the model reads for `text`: the start character, then the text's characters. */
export function contextIds(tokenizer: CharTokenizer, text: string): { ids: number[]; encoding: CharEncoding } {
  const encoding = tokenizer.encode(text);
  return { ids: [tokenizer.encode(START_CHARACTER).ids[0], ...encoding.ids], encoding };
}

/** log-softmax of one row of logits, in float64. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const logNormaliser = max + Math.log(sum);
  return Float64Array.from(logits, (value) => value - logNormaliser);
}

/**
 * Surprise in bits of each next token: for logits (length, vocab) of ids[0..length) and targets[t] = ids[t + 1],
 * surprise[t] = −log₂ softmax(logits[t])[targets[t]], t < targets.length.
 */
export function surprisalBits(logits: Numbers, vocabSize: number, targets: readonly number[]): Float64Array {
  check(logits.length >= targets.length * vocabSize, `surprisal needs ${targets.length} rows of logits, got ${logits.length / vocabSize}`);
  return Float64Array.from(targets, (target, t) => -logSoftmax(logits.subarray(t * vocabSize, (t + 1) * vocabSize))[target] / Math.LN2);
}

export interface BitsPerCharacter {
  bitsPerChar: number;
  chars: number;
  /** Characters outside the vocabulary, read as the unknown symbol and counted in bitsPerChar. */
  unknownChars: number;
}

/**
 * Bits per character of `text` with the float64 reference, one token at a time through the recurrent step
 * (constant memory, so any length works; about 7 ms a character for the site's 4 × 256 model on one core).
 */
export function bitsPerCharacter({ model, tokenizer }: CharModel, text: string): BitsPerCharacter {
  const { ids, encoding } = contextIds(tokenizer, text);
  check(encoding.ids.length > 0, "the text is empty: there is nothing to score");
  let state = initialLmState(model);
  let totalBits = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    const step = lmStep(model, state, ids[t]);
    totalBits += -logSoftmax(step.logits)[ids[t + 1]] / Math.LN2;
    state = step.state;
  }
  return { bitsPerChar: totalBits / encoding.ids.length, chars: encoding.ids.length, unknownChars: encoding.unknown.length };
}

export interface SamplingOptions {
  /** > 0; 1 samples the model's distribution, lower sharpens it. */
  temperature?: number;
  /** Sample among the k most likely tokens only (all when absent). */
  topK?: number;
}

/** The probabilities softmax(logits / temperature), restricted to the topK most likely tokens and renormalised. */
export function samplingDistribution(logits: ArrayLike<number>, { temperature = 1, topK }: SamplingOptions = {}): Float64Array {
  check(Number.isFinite(temperature) && temperature > 0, `temperature must be a positive number, got ${temperature}`);
  check(topK === undefined || (Number.isInteger(topK) && topK >= 1), `top-k must be a positive integer, got ${topK}`);
  const scaled = Float64Array.from(logits, (value) => value / temperature);
  if (topK !== undefined && topK < scaled.length) {
    const threshold = [...scaled].sort((a, b) => b - a)[topK - 1];
    let kept = 0;
    scaled.forEach((value, i) => {
      // Ties at the threshold: keep the first ones in id order, so exactly topK survive.
      if (value > threshold || (value === threshold && kept < topK)) kept++;
      else scaled[i] = -Infinity;
    });
  }
  return logSoftmax(scaled).map(Math.exp);
}

/** Inverse-CDF sampling of one id from `probabilities` with a uniform draw u ∈ [0, 1). */
export function sampleIndex(probabilities: ArrayLike<number>, u: number): number {
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probabilities.length; i++) {
    if (probabilities[i] <= 0) continue;
    cumulative += probabilities[i];
    last = i;
    if (u < cumulative) return i;
  }
  return last; // rounding left the total a hair under 1
}

export interface GenerateOptions extends SamplingOptions {
  /** How many characters to generate. */
  tokens: number;
  seed: number;
}

/** One generated character and the state after reading it. */
export interface GeneratedStep {
  id: number;
  character: string;
  state: LmState;
}

/**
 * Continues `prompt` one character at a time with the recurrent step (constant state): reads the start character
 * and the prompt, then samples, reads the sample, and so on. Deterministic for a seed. Yields every step so a page
 * can stream it.
 */
export function* generateSteps({ model, tokenizer }: CharModel, prompt: string, options: GenerateOptions): Generator<GeneratedStep> {
  check(Number.isInteger(options.tokens) && options.tokens >= 0, `tokens must be a non-negative integer, got ${options.tokens}`);
  const random = createRandom(options.seed);
  let state = initialLmState(model);
  let logits: Float64Array | undefined;
  for (const id of contextIds(tokenizer, prompt).ids) ({ logits, state } = lmStep(model, state, id));
  for (let i = 0; i < options.tokens; i++) {
    const id = sampleIndex(samplingDistribution(logits!, options), random.uniform());
    ({ logits, state } = lmStep(model, state, id));
    yield { id, character: tokenizer.token(id), state };
  }
}

/** The whole continuation of `prompt` as text. */
export function generate(charModel: CharModel, prompt: string, options: GenerateOptions): string {
  let text = "";
  for (const step of generateSteps(charModel, prompt, options)) text += step.character;
  return text;
}
