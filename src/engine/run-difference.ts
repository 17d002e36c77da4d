/**
 * How far a run (from a tfjs backend) is from the float64 reference's run of the same model, input and
 * options: the golden README's measure max |a − b| / max(1, max |b|) (gpu/relative-error.ts), for every
 * tensor of engine.ts's BlockRun / ModelRun, and the worst of them. The verifier shows the worst on every
 * page; the tests hold every field to 1e-4.
 */
import type { BlockRun, ModelRun } from "./engine.js";
import { maxRelativeError } from "./gpu/relative-error.js";
import type { Numbers } from "./types.js";

/** The tensors a BlockRun always carries, compared field by field. */
export const BLOCK_FIELDS = ["input", "x", "z", "u", "deltaLowRank", "delta", "A", "B", "C", "y", "yGated", "out", "finalState", "convState"] as const;

export type BlockField = (typeof BLOCK_FIELDS)[number];

/** One field's difference; `layer` is absent for the embedding and the logits. */
export interface FieldDifference {
  field: BlockField | "residual" | "states" | "embedded" | "logits";
  layer?: number;
  relative: number;
}

/** Every field of two block runs; h per token too when both carry it. */
export function blockRunDifferences(run: BlockRun, reference: BlockRun, layer?: number): FieldDifference[] {
  const differences: FieldDifference[] = BLOCK_FIELDS.map((field) => ({ field, layer, relative: maxRelativeError(run[field], reference[field]) }));
  if (run.states && reference.states) differences.push({ field: "states", layer, relative: maxRelativeError(run.states, reference.states) });
  return differences;
}

/** Every field of every layer of two model runs, the embedding and the logits. */
export function modelRunDifferences(run: ModelRun, reference: ModelRun): FieldDifference[] {
  const compare = (field: FieldDifference["field"], a: Numbers, b: Numbers, layer?: number): FieldDifference => ({ field, layer, relative: maxRelativeError(a, b) });
  const differences = [compare("embedded", run.embedded, reference.embedded), compare("logits", run.logits, reference.logits)];
  if (run.layers.length !== reference.layers.length) return [...differences, { field: "residual", relative: Infinity }];
  run.layers.forEach((layer, i) => {
    differences.push(...blockRunDifferences(layer, reference.layers[i], i), compare("residual", layer.residual, reference.layers[i].residual, i));
  });
  return differences;
}

/** The largest of `differences` (Infinity if any field is missing or not finite). */
export function worstDifference(differences: readonly FieldDifference[]): FieldDifference {
  return differences.reduce((worst, next) => (next.relative > worst.relative ? next : worst), differences[0]);
}
