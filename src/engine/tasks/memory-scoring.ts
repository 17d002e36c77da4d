/**
 * Scores a model on chapter 7's tasks: the fraction of scored positions where the model's argmax is the answer
 * (the last position of an induction sequence; the P queries of an MQAR sequence). The model enters as a
 * `Predictor`, so the float64 engines here, the GPU engines of the page and the CLI share one scoring loop.
 */
import { attentionLmForward, type AttentionModel } from "../attention-model.js";
import { check } from "../errors.js";
import { initialLmState, lmForward, lmStep } from "../model.js";
import type { MambaModel } from "../types.js";
import { generateInductionHeads, inductionVocabSize, type InductionHeadsSettings } from "./induction-heads.js";
import { generateMqar, mqarVocabSize, type MqarSettings } from "./mqar.js";

/** The argmax token at each of `positions` of one sequence: what the model answers there. */
export type Predictor = (ids: Int32Array, positions: readonly number[]) => Int32Array | Promise<Int32Array>;

/** Index of the largest of `count` values from `offset`. */
export function argmax(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}

/** Above this length the float64 Mamba predictor decodes token by token (constant memory) instead of keeping every intermediate. */
const FULL_FORWARD_TOKENS = 2 ** 14;

/** The float64 Mamba model (src/engine/model.ts) as a predictor. */
export function mambaPredictor(model: MambaModel): Predictor {
  const vocab = model.config.vocabSize;
  return (ids, positions) => {
    const answers = new Int32Array(positions.length);
    if (ids.length <= FULL_FORWARD_TOKENS) {
      const { logits } = lmForward(model, [Array.from(ids)]);
      positions.forEach((t, i) => (answers[i] = argmax(logits, t * vocab, vocab)));
      return answers;
    }
    const wanted = new Map(positions.map((t, i) => [t, i]));
    let state = initialLmState(model);
    for (let t = 0; t <= Math.max(...positions); t++) {
      const step = lmStep(model, state, ids[t]);
      state = step.state;
      const i = wanted.get(t);
      if (i !== undefined) answers[i] = argmax(step.logits, 0, vocab);
    }
    return answers;
  };
}

/** The float64 attention model (src/engine/attention-model.ts) as a predictor; its last layer runs at `positions` only. */
export function attentionPredictor(model: AttentionModel): Predictor {
  const vocab = model.config.vocabSize;
  return (ids, positions) => {
    const { logits } = attentionLmForward(model, [Array.from(ids)], { positions });
    return Int32Array.from(positions, (_t, i) => argmax(logits, i * vocab, vocab));
  };
}

export interface TaskScore {
  accuracy: number;
  correct: number;
  total: number;
}

/** Accuracy on sequences 0 … count − 1 of `seed` at `length`; the model must know the task's ids. */
export async function scoreInductionHeads(predict: Predictor, modelVocab: number, settings: InductionHeadsSettings, length: number, count: number, seed: number): Promise<TaskScore> {
  check(inductionVocabSize(settings) <= modelVocab, `evaluate: the task uses ${inductionVocabSize(settings)} token ids but the model knows ${modelVocab}`);
  const data = generateInductionHeads(settings, length, count, seed);
  let correct = 0;
  for (let row = 0; row < count; row++) {
    const [answer] = await predict(data.inputIds.subarray(row * length, (row + 1) * length), [length - 1]);
    if (answer === data.answers[row]) correct++;
  }
  return { accuracy: correct / count, correct, total: count };
}

/** Token accuracy at the queries of sequences 0 … count − 1 of `seed` with `pairs` pairs. */
export async function scoreMqar(predict: Predictor, modelVocab: number, settings: MqarSettings, pairs: number, count: number, seed: number): Promise<TaskScore> {
  check(mqarVocabSize(settings) <= modelVocab, `evaluate: the task uses ${mqarVocabSize(settings)} token ids but the model knows ${modelVocab}`);
  const data = generateMqar(settings, pairs, count, seed);
  let correct = 0;
  for (let row = 0; row < count; row++) {
    const answers = await predict(data.inputIds.subarray(row * data.length, (row + 1) * data.length), data.answerPositions);
    answers.forEach((answer, j) => answer === data.answers[row * pairs + j] && correct++);
  }
  return { accuracy: correct / (count * pairs), correct, total: count * pairs };
}
