/**
 * Multi-query associative recall (MQAR; Arora et al. 2023, "Zoology"), in a plain form: P key–value
 * pairs, then every key of them once more, in a random order, as a query; at each query the model must
 * output that key's value:
 *
 *   k₀ v₀ k₁ v₁ … k_{P−1} v_{P−1} | k_{σ(0)} k_{σ(1)} … k_{σ(P−1)}     length 3P
 *                                   → v_{σ(0)} v_{σ(1)} … v_{σ(P−1)}
 *
 * Token ids: keys firstKeyToken … + keyVocab − 1, values firstValueToken … + valueVocab − 1 (disjoint).
 * Sequence i of a seed draws from its own generator (sequence-seeds.ts), in this order: P distinct keys
 * by a partial Fisher–Yates shuffle of 0 … keyVocab − 1 (draw j: integer(keyVocab − j)); P values
 * integer(valueVocab) (with repeats); the query order σ by a Fisher–Yates shuffle of 0 … P − 1 (draw j:
 * integer(P − j), all P draws made). Scored: token accuracy of the argmax at the P query positions.
 * Zoology's MQAR differs in its details (queries spread among filler tokens, values fed back after each
 * query); this form keeps what is measured — how many pairs a fixed-size state can hold.
 */
import { check } from "../errors.js";
import type { Random } from "../random.js";
import { sequenceRandom, sequenceSeeds } from "./sequence-seeds.js";
import { createRandom } from "../random.js";

export interface MqarSettings {
  task: "mqar";
  keyVocab: number;
  valueVocab: number;
  firstKeyToken: number;
  firstValueToken: number;
  /** The most pairs the models were trained with (each training batch draws P from 1 to maxPairs). */
  maxPairs: number;
}

/** 64 keys (ids 0–63), 64 values (ids 64–127), trained with 1 to 64 pairs. */
export const DEFAULT_MQAR: MqarSettings = { task: "mqar", keyVocab: 64, valueVocab: 64, firstKeyToken: 0, firstValueToken: 64, maxPairs: 64 };

export interface MqarBatch {
  batch: number;
  pairs: number;
  /** 3 · pairs */
  length: number;
  inputIds: Int32Array;
  /** (batch, pairs): the value due at each query */
  answers: Int32Array;
  /** 2P … 3P − 1, in every row */
  answerPositions: number[];
}

export function mqarVocabSize(settings: MqarSettings): number {
  return Math.max(settings.firstKeyToken + settings.keyVocab, settings.firstValueToken + settings.valueVocab);
}

/** Throws an EngineError with a one-line message if the settings cannot describe the task. */
export function checkMqarSettings(settings: MqarSettings): void {
  check(settings?.task === "mqar", `task settings: task must be "mqar", got ${JSON.stringify(settings?.task)}`);
  const { keyVocab, valueVocab, firstKeyToken, firstValueToken, maxPairs } = settings;
  for (const [name, value] of Object.entries({ keyVocab, valueVocab, firstKeyToken, firstValueToken, maxPairs })) {
    check(Number.isInteger(value) && value >= 0, `task settings: ${name} must be a non-negative integer, got ${value}`);
  }
  check(keyVocab >= 1 && valueVocab >= 2, "task settings: keyVocab must be at least 1 and valueVocab at least 2");
  check(maxPairs >= 1 && maxPairs <= keyVocab, `task settings: maxPairs must be from 1 to keyVocab (${keyVocab}), got ${maxPairs}`);
  const overlap = firstKeyToken < firstValueToken + valueVocab && firstValueToken < firstKeyToken + keyVocab;
  check(!overlap, "task settings: key and value ids must not overlap");
}

function checkPairs(settings: MqarSettings, pairs: number): void {
  check(Number.isInteger(pairs) && pairs >= 1 && pairs <= settings.keyVocab, `mqar: the number of pairs must be an integer from 1 to ${settings.keyVocab} (the keys), got ${pairs}`);
}

/** Fills `ids` (one sequence of 3P) and `answers` (P) from `random`. */
function drawSequence(settings: MqarSettings, pairs: number, ids: Int32Array, answers: Int32Array, random: Random): void {
  const pool = Array.from({ length: settings.keyVocab }, (_, k) => k);
  for (let j = 0; j < pairs; j++) {
    const pick = j + random.integer(settings.keyVocab - j);
    [pool[j], pool[pick]] = [pool[pick], pool[j]];
  }
  const values = Array.from({ length: pairs }, () => random.integer(settings.valueVocab));
  const order = Array.from({ length: pairs }, (_, j) => j);
  for (let j = 0; j < pairs; j++) {
    const pick = j + random.integer(pairs - j);
    [order[j], order[pick]] = [order[pick], order[j]];
  }
  for (let j = 0; j < pairs; j++) {
    ids[2 * j] = settings.firstKeyToken + pool[j];
    ids[2 * j + 1] = settings.firstValueToken + values[j];
    ids[2 * pairs + j] = settings.firstKeyToken + pool[order[j]];
    answers[j] = settings.firstValueToken + values[order[j]];
  }
}

/** Sequences 0 … batch − 1 of `seed` with `pairs` pairs. */
export function generateMqar(settings: MqarSettings, pairs: number, batch: number, seed: number): MqarBatch {
  checkMqarSettings(settings);
  checkPairs(settings, pairs);
  const length = 3 * pairs;
  const inputIds = new Int32Array(batch * length);
  const answers = new Int32Array(batch * pairs);
  sequenceSeeds(seed, batch).forEach((sequenceSeed, row) => {
    drawSequence(settings, pairs, inputIds.subarray(row * length, (row + 1) * length), answers.subarray(row * pairs, (row + 1) * pairs), createRandom(sequenceSeed));
  });
  const answerPositions = Array.from({ length: pairs }, (_, j) => 2 * pairs + j);
  return { batch, pairs, length, inputIds, answers, answerPositions };
}

/** Sequence `index` of `seed` alone (the same as row `index` of generateMqar). */
export function mqarSequence(settings: MqarSettings, pairs: number, seed: number, index: number): { ids: Int32Array; answers: Int32Array } {
  checkMqarSettings(settings);
  checkPairs(settings, pairs);
  const ids = new Int32Array(3 * pairs);
  const answers = new Int32Array(pairs);
  drawSequence(settings, pairs, ids, answers, sequenceRandom(seed, index));
  return { ids, answers };
}
