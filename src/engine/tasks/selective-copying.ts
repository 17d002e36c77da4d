/**
 * The Selective Copying task of the Mamba paper (§4.1, Table 1), at a size that trains on a CPU.
 *
 * A sequence is a context of `contextLength` tokens — `dataCount` data tokens drawn from a vocabulary of
 * `dataVocab` values, placed at random positions among noise tokens — followed by `dataCount` marker
 * tokens. At the i-th marker a causal language model must output the i-th data token, in order:
 *
 *   noise noise d₁ noise … d₂ … noise d₃ … d₄ noise | marker marker marker marker
 *                                                     → d₁     d₂     d₃     d₄
 *
 * Because the data tokens sit at varying positions, a time-invariant (LTI) model cannot know which
 * inputs to keep; a selective one can keep data tokens and ignore noise (paper §3.1).
 * Token ids: `noiseToken`, then the data values `firstDataToken … firstDataToken + dataVocab − 1`, then
 * `markerToken`; the vocabulary of the model is `vocabSize(settings)`.
 */
import { check } from "../errors.js";
import { createRandom } from "../random.js";

/** The task's settings, stored as is in a model card so the task can be regenerated exactly. */
export interface SelectiveCopyingSettings {
  task: "selective-copying";
  /** Tokens before the markers (noise and data). */
  contextLength: number;
  /** Data tokens per sequence, which is also the number of markers and of answers. */
  dataCount: number;
  /** Number of distinct data values. */
  dataVocab: number;
  noiseToken: number;
  firstDataToken: number;
  markerToken: number;
}

/** The sizes of issue 8: 64 tokens in all, 4 data tokens out of 8 values among 56 noise tokens, then 4 markers. */
export const DEFAULT_SELECTIVE_COPYING: SelectiveCopyingSettings = {
  task: "selective-copying",
  contextLength: 60,
  dataCount: 4,
  dataVocab: 8,
  noiseToken: 0,
  firstDataToken: 1,
  markerToken: 9,
};

/** A batch of sequences, row-major (batch, length), and the answers (batch, dataCount). */
export interface SelectiveCopyingBatch {
  batch: number;
  /** contextLength + dataCount */
  length: number;
  inputIds: Int32Array;
  /** The data tokens in order: what the model must output at the markers. */
  answers: Int32Array;
  /** Positions (in every row) where the answers are read: the marker positions. */
  answerPositions: number[];
}

/** Total length of one sequence: the context and the markers. */
export function sequenceLength(settings: SelectiveCopyingSettings): number {
  return settings.contextLength + settings.dataCount;
}

/** Number of token ids the model must know: 1 + max(noise, data values, marker). */
export function vocabSize(settings: SelectiveCopyingSettings): number {
  const { noiseToken, firstDataToken, dataVocab, markerToken } = settings;
  return 1 + Math.max(noiseToken, firstDataToken + dataVocab - 1, markerToken);
}

/** Throws an EngineError with a one-line message if the settings cannot describe a task. */
export function checkSettings(settings: SelectiveCopyingSettings): void {
  check(settings?.task === "selective-copying", `task settings: task must be "selective-copying", got ${JSON.stringify(settings?.task)}`);
  const { contextLength, dataCount, dataVocab, noiseToken, firstDataToken, markerToken } = settings;
  for (const [name, value] of Object.entries({ contextLength, dataCount, dataVocab, noiseToken, firstDataToken, markerToken })) {
    check(Number.isInteger(value) && value >= 0, `task settings: ${name} must be a non-negative integer, got ${value}`);
  }
  check(dataCount >= 1 && dataVocab >= 1, "task settings: dataCount and dataVocab must be at least 1");
  check(dataCount <= contextLength, `task settings: ${dataCount} data tokens do not fit in a context of ${contextLength}`);
  const dataIds = (id: number) => id >= firstDataToken && id < firstDataToken + dataVocab;
  check(noiseToken !== markerToken && !dataIds(noiseToken) && !dataIds(markerToken), "task settings: noise, data and marker ids must be distinct");
}

/**
 * `batch` fresh sequences from `seed`: for each row, `dataCount` distinct positions of the context
 * chosen uniformly, a uniform data value at each, noise elsewhere, markers at the end.
 */
export function generateSelectiveCopying(settings: SelectiveCopyingSettings, batch: number, seed: number): SelectiveCopyingBatch {
  checkSettings(settings);
  check(Number.isInteger(batch) && batch >= 1, `selective copying: the number of sequences must be a positive integer, got ${batch}`);
  check(Number.isInteger(seed), `selective copying: the seed must be an integer, got ${seed}`);
  const random = createRandom(seed);
  const { contextLength, dataCount } = settings;
  const length = sequenceLength(settings);
  const inputIds = new Int32Array(batch * length);
  const answers = new Int32Array(batch * dataCount);
  for (let row = 0; row < batch; row++) {
    const ids = inputIds.subarray(row * length, (row + 1) * length);
    ids.fill(settings.noiseToken, 0, contextLength);
    ids.fill(settings.markerToken, contextLength);
    const positions = choosePositions(contextLength, dataCount, random.integer);
    positions.forEach((position, i) => {
      const token = settings.firstDataToken + random.integer(settings.dataVocab);
      ids[position] = token;
      answers[row * dataCount + i] = token;
    });
  }
  const answerPositions = Array.from({ length: dataCount }, (_, i) => contextLength + i);
  return { batch, length, inputIds, answers, answerPositions };
}

/** `count` distinct positions in [0, range), sorted, by a partial Fisher–Yates shuffle. */
function choosePositions(range: number, count: number, integer: (n: number) => number): number[] {
  const pool = Array.from({ length: range }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + integer(range - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

/**
 * Token accuracy on the answer positions: the fraction of (row, answer) pairs where the argmax of
 * `logits` (batch, length, vocab) at the i-th marker equals the i-th data token.
 */
export function answerAccuracy(data: SelectiveCopyingBatch, logits: ArrayLike<number>, vocab: number): number {
  check(logits.length === data.batch * data.length * vocab, `selective copying: expected ${data.batch * data.length * vocab} logits, got ${logits.length}`);
  let correct = 0;
  for (let row = 0; row < data.batch; row++) {
    data.answerPositions.forEach((position, i) => {
      const offset = (row * data.length + position) * vocab;
      if (argmax(logits, offset, vocab) === data.answers[row * data.answerPositions.length + i]) correct++;
    });
  }
  return correct / (data.batch * data.answerPositions.length);
}

/** Index of the largest of `count` values starting at `offset`. */
function argmax(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}
