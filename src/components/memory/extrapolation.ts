/**
 * Accuracy against test length for the induction models: the paper's numbers, the committed GPU-host results, and
 * what the reader's backend measures live up to the length a timing probe allows.
 */
import { scoreInductionHeads, type Predictor } from "../../engine/tasks/memory-scoring.js";
import { inductionSequence, type InductionHeadsSettings } from "../../engine/tasks/induction-heads.js";
import type { Series } from "../charts/line-plot.js";
import type { DataTable } from "../format.js";
import type { MemoryModel } from "./models.js";

/** Test lengths of the page: 2⁶ … 2¹⁶. */
export const TEST_LENGTHS = Array.from({ length: 11 }, (_, k) => 2 ** (k + 6));

/**
 * Table 11 of the Mamba paper (the numbers behind Table 2), test accuracy in % at lengths 2⁶ … 2²⁰ for models trained
 * at 2⁸; "perfect" cells (✓) are 100, out-of-memory cells (✗) null. Transcribed from text extractions of arXiv
 * 2312.00752; the PDF itself was not at hand.
 */
export const PAPER_TABLE_11: readonly { model: string; parameters: string; accuracy: readonly (number | null)[] }[] = [
  { model: "MHA-Abs", parameters: "137K", accuracy: [100, 99.6, 100, 58.6, 26.6, 18.8, 9.8, 10.9, 7.8, null, null, null, null, null, null] },
  { model: "MHA-RoPE", parameters: "137K", accuracy: [100, 100, 100, 83.6, 31.3, 18.4, 8.6, 9.0, 5.5, null, null, null, null, null, null] },
  { model: "MHA-xPos", parameters: "137K", accuracy: [100, 100, 100, 99.6, 67.6, 25.4, 7.0, 9.0, 7.8, null, null, null, null, null, null] },
  { model: "H3", parameters: "153K", accuracy: [100, 100, 100, 80.9, 39.5, 23.8, 14.8, 8.2, 5.9, 6.6, 8.2, 4.7, 8.2, 6.3, 7.4] },
  { model: "Hyena", parameters: "69M", accuracy: [97.7, 100, 100, 100, 44.1, 12.5, 6.6, 5.1, 7.0, 5.9, 6.6, 6.6, 5.9, 6.3, 9.8] },
  { model: "Mamba", parameters: "74K", accuracy: Array(15).fill(100) },
];

/** The paper's row at TEST_LENGTHS, as fractions (NaN where the paper has no number). */
export function paperAccuracy(model: string): number[] {
  const row = PAPER_TABLE_11.find((r) => r.model === model);
  return TEST_LENGTHS.map((_, k) => (row?.accuracy[k] == null ? NaN : (row.accuracy[k] as number) / 100));
}

/** The committed GPU-host accuracy of `entry` at TEST_LENGTHS (NaN where it was not measured). */
export function hostAccuracy(entry: MemoryModel): number[] {
  return TEST_LENGTHS.map((length) => entry.host.points.find((p) => p.length === length)?.accuracy ?? NaN);
}

/** Milliseconds for one sequence of `length`, from one timed sequence at `probeLength` (after a warm-up run). */
export interface TimingProbe {
  probeLength: number;
  milliseconds: number;
  /** Cost grows like length (Mamba's scan) or length² (attention). */
  exponent: 1 | 2;
}

export async function probeTiming(entry: MemoryModel, predict: Predictor, settings: InductionHeadsSettings, probeLength = 256): Promise<TimingProbe> {
  const { ids } = inductionSequence(settings, probeLength, 1, 0);
  await predict(ids, [probeLength - 1]);
  const started = performance.now();
  await predict(ids, [probeLength - 1]);
  return { probeLength, milliseconds: Math.max(0.01, performance.now() - started), exponent: entry.kind === "mamba" ? 1 : 2 };
}

/** The estimate of the probe for one sequence of `length` (below the probe's length: linear, as fixed costs dominate there). */
export function estimatedMilliseconds(probe: TimingProbe, length: number): number {
  const ratio = length / probe.probeLength;
  return probe.milliseconds * (ratio <= 1 ? ratio : ratio ** probe.exponent);
}

/** The longest of TEST_LENGTHS at which `count` sequences should take at most `budgetMs` on this device; the shortest always runs. */
export function longestLiveLength(probe: TimingProbe, count: number, budgetMs: number): number {
  const fitting = TEST_LENGTHS.filter((length) => count * estimatedMilliseconds(probe, length) <= budgetMs);
  return fitting.length ? fitting[fitting.length - 1] : TEST_LENGTHS[0];
}

/** Live accuracy at each of `lengths`; NaN at lengths above `limit`. `onPoint` sees every measured point. */
export async function liveAccuracy(
  entry: MemoryModel,
  predict: Predictor,
  lengths: readonly number[],
  limit: number,
  count: number,
  seed: number,
  onPoint: (length: number, accuracy: number) => void = () => {},
): Promise<number[]> {
  const out: number[] = [];
  for (const length of TEST_LENGTHS) {
    if (!lengths.includes(length) || length > limit) {
      out.push(NaN);
      continue;
    }
    const { accuracy } = await scoreInductionHeads(predict, entry.vocab, entry.task as InductionHeadsSettings, length, count, seed);
    out.push(accuracy);
    onPoint(length, accuracy);
  }
  return out;
}

export interface ExtrapolationRows {
  name: string;
  values: readonly number[];
  color: string;
  dashed?: boolean;
  points?: boolean;
}

/** Line-plot series (x = length) for the rows. */
export function extrapolationSeries(rows: readonly ExtrapolationRows[]): Series[] {
  return rows.map((row) => {
    // Lengths without a number (not run live, out of memory in the paper) are left out, not drawn as gaps.
    const kept = TEST_LENGTHS.map((length, i) => [length, row.values[i]] as const).filter(([, v]) => Number.isFinite(v));
    return { name: row.name, x: kept.map(([x]) => x), y: kept.map(([, y]) => y), color: row.color, dashed: row.dashed, points: row.points ?? true };
  });
}

/** The same numbers as a table for the exports: one row per length. */
export function extrapolationTable(rows: readonly ExtrapolationRows[]): DataTable {
  return { columns: ["length", ...rows.map((r) => r.name)], rows: TEST_LENGTHS.map((length, i) => [length, ...rows.map((r) => (Number.isFinite(r.values[i]) ? r.values[i] : ""))]) };
}
