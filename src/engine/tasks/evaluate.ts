/**
 * Scores a language model on freshly generated Selective Copying sequences with the float64 reference
 * forward: token accuracy at the marker positions (the metric of the paper's Table 1).
 */
import { check } from "../errors.js";
import { lmForward } from "../model.js";
import type { MambaModel } from "../types.js";
import { answerAccuracy, generateSelectiveCopying, vocabSize, type SelectiveCopyingSettings } from "./selective-copying.js";

/** Sequences per forward call: bounds memory (every intermediate of a chunk is kept) without slowing down. */
const CHUNK = 100;

/** Accuracy over `count` sequences generated from `seed` (the same seed gives the same sequences). */
export function evaluateSelectiveCopying(model: MambaModel, settings: SelectiveCopyingSettings, count: number, seed: number): number {
  check(Number.isInteger(count) && count >= 1, `evaluate: the number of sequences must be a positive integer, got ${count}`);
  check(
    vocabSize(settings) <= model.config.vocabSize,
    `evaluate: the task uses ${vocabSize(settings)} token ids but the model knows ${model.config.vocabSize}`,
  );
  const data = generateSelectiveCopying(settings, count, seed);
  let correct = 0;
  for (let start = 0; start < count; start += CHUNK) {
    const rows = Math.min(CHUNK, count - start);
    const ids = Array.from({ length: rows }, (_, r) => Array.from(data.inputIds.subarray((start + r) * data.length, (start + r + 1) * data.length)));
    const chunk = {
      ...data,
      batch: rows,
      inputIds: data.inputIds.subarray(start * data.length, (start + rows) * data.length),
      answers: data.answers.subarray(start * settings.dataCount, (start + rows) * settings.dataCount),
    };
    correct += answerAccuracy(chunk, lmForward(model, ids).logits, model.config.vocabSize) * rows * settings.dataCount;
  }
  return correct / (count * settings.dataCount);
}
