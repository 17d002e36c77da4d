/**
 * The Induction Heads task of the Mamba paper (§4.1.2, Table 2; after H3, Fu et al. 2023): a sequence of
 * random data tokens holds one trigger token somewhere; the sequence ends with the trigger again, and
 * there the model must output the token that followed the trigger's first occurrence:
 *
 *   7 2 9 … 4 ⊢ 11 3 … 8 0 ⊢   → 11
 *             p  p+1        L−1
 *
 * Token ids: data tokens 0 … dataVocab − 1, the trigger `triggerToken` (the vocabulary is 16 in the
 * paper's setting: 15 data tokens and the trigger). Sequence i of a seed draws from its own generator
 * (sequence-seeds.ts), in this order: the trigger position p = integer(L − 2), so p ∈ [0, L − 3]; then a
 * data token integer(dataVocab) for every position 0 … L − 2, the draw at p being replaced by the trigger.
 * Position L − 1 is the trigger. Scored: the argmax of the logits at position L − 1 (over the whole
 * vocabulary) against ids[p + 1]. Chance is 1 / dataVocab.
 */
import { check } from "../errors.js";
import type { Random } from "../random.js";
import { sequenceRandom, sequenceSeeds } from "./sequence-seeds.js";
import { createRandom } from "../random.js";

export interface InductionHeadsSettings {
  task: "induction-heads";
  /** Distinct data tokens, ids 0 … dataVocab − 1. */
  dataVocab: number;
  /** The trigger's id; not a data token. */
  triggerToken: number;
  /** The length the models were trained at (the paper: 2⁸ = 256); any length ≥ 4 can be tested. */
  trainLength: number;
}

/** The paper's setting: vocabulary 16 (15 data tokens and the trigger), trained at length 256. */
export const DEFAULT_INDUCTION_HEADS: InductionHeadsSettings = { task: "induction-heads", dataVocab: 15, triggerToken: 15, trainLength: 256 };

/** The shortest sequence: a data token, the trigger, the answer, the final trigger. */
export const SHORTEST_INDUCTION_LENGTH = 4;

/** Sequences (batch, length), row-major, with what each one asks. */
export interface InductionHeadsBatch {
  batch: number;
  length: number;
  inputIds: Int32Array;
  /** (batch): the token after the first trigger, to be output at position length − 1 */
  answers: Int32Array;
  /** (batch): p, the first trigger's position */
  triggerPositions: Int32Array;
}

export function inductionVocabSize(settings: InductionHeadsSettings): number {
  return 1 + Math.max(settings.dataVocab - 1, settings.triggerToken);
}

/** Throws an EngineError with a one-line message if the settings cannot describe the task. */
export function checkInductionSettings(settings: InductionHeadsSettings): void {
  check(settings?.task === "induction-heads", `task settings: task must be "induction-heads", got ${JSON.stringify(settings?.task)}`);
  const { dataVocab, triggerToken, trainLength } = settings;
  check(Number.isInteger(dataVocab) && dataVocab >= 2, `task settings: dataVocab must be an integer ≥ 2, got ${dataVocab}`);
  check(Number.isInteger(triggerToken) && triggerToken >= dataVocab, `task settings: triggerToken must be an integer ≥ dataVocab (${dataVocab}), got ${triggerToken}`);
  check(Number.isInteger(trainLength) && trainLength >= SHORTEST_INDUCTION_LENGTH, `task settings: trainLength must be an integer ≥ ${SHORTEST_INDUCTION_LENGTH}, got ${trainLength}`);
}

function checkLength(length: number): void {
  check(
    Number.isInteger(length) && length >= SHORTEST_INDUCTION_LENGTH && length <= 2 ** 24,
    `induction heads: the length must be an integer from ${SHORTEST_INDUCTION_LENGTH} to 2^24, got ${length}`,
  );
}

/** Fills `ids` (one sequence) from `random`; returns [trigger position, answer]. */
function drawSequence(settings: InductionHeadsSettings, ids: Int32Array, random: Random): [number, number] {
  const length = ids.length;
  const trigger = random.integer(length - 2);
  for (let t = 0; t < length - 1; t++) ids[t] = random.integer(settings.dataVocab);
  ids[trigger] = settings.triggerToken;
  ids[length - 1] = settings.triggerToken;
  return [trigger, ids[trigger + 1]];
}

/** Sequences 0 … batch − 1 of `seed` at `length`. */
export function generateInductionHeads(settings: InductionHeadsSettings, length: number, batch: number, seed: number): InductionHeadsBatch {
  checkInductionSettings(settings);
  checkLength(length);
  const seeds = sequenceSeeds(seed, batch);
  const inputIds = new Int32Array(batch * length);
  const answers = new Int32Array(batch);
  const triggerPositions = new Int32Array(batch);
  seeds.forEach((sequenceSeed, row) => {
    [triggerPositions[row], answers[row]] = drawSequence(settings, inputIds.subarray(row * length, (row + 1) * length), createRandom(sequenceSeed));
  });
  return { batch, length, inputIds, answers, triggerPositions };
}

/** Sequence `index` of `seed` alone (the same as row `index` of generateInductionHeads). */
export function inductionSequence(settings: InductionHeadsSettings, length: number, seed: number, index: number): { ids: Int32Array; answer: number; triggerPosition: number } {
  checkInductionSettings(settings);
  checkLength(length);
  const ids = new Int32Array(length);
  const [triggerPosition, answer] = drawSequence(settings, ids, sequenceRandom(seed, index));
  return { ids, answer, triggerPosition };
}
