/**
 * Recall (MQAR) against the number of pairs and against the state size: the committed GPU-host results of the six
 * models that differ only in d_state, the reader's live reruns, and the level of guessing among the P values the
 * context holds (1/P), which a model reaches without any key-to-value memory.
 */
import { scoreMqar, type Predictor, type TaskScore } from "../../engine/tasks/memory-scoring.js";
import type { MqarSettings } from "../../engine/tasks/mqar.js";
import type { Series } from "../charts/line-plot.js";
import type { DataTable } from "../format.js";
import type { MemoryModel } from "./models.js";

export const RECALL_PAIRS = [1, 2, 4, 8, 16, 24, 32, 48, 64];
export const RECALL_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1"];

export function dState(entry: MemoryModel): number {
  return entry.kind === "mamba" ? entry.model.config.dState : NaN;
}

/** The host's accuracy of `entry` at RECALL_PAIRS (NaN where not measured). */
export function hostRecall(entry: MemoryModel): number[] {
  return RECALL_PAIRS.map((pairs) => entry.host.points.find((p) => p.pairs === pairs)?.accuracy ?? NaN);
}

/** One line per model against P, the guessing level, and the reader's live points. */
export function recallSeries(models: readonly MemoryModel[], live: readonly { model: MemoryModel; pairs: number; accuracy: number }[]): Series[] {
  const lines: Series[] = models.map((entry, i) => ({ name: `d_state ${dState(entry)} (GPU host)`, x: RECALL_PAIRS, y: hostRecall(entry), color: RECALL_COLORS[i % RECALL_COLORS.length], points: true }));
  lines.push({ name: "guessing among the P values in the context (1/P)", x: RECALL_PAIRS, y: RECALL_PAIRS.map((p) => 1 / p), color: "#888", dashed: true });
  models.forEach((entry, i) => {
    const mine = live.filter((l) => l.model === entry);
    if (mine.length) lines.push({ name: `d_state ${dState(entry)} (live, your device)`, x: mine.map((l) => l.pairs), y: mine.map((l) => l.accuracy), color: RECALL_COLORS[i % RECALL_COLORS.length], points: true, dashed: true });
  });
  return lines;
}

/** Accuracy against d_state at `pairs` (host), and the live points at that P. */
export function stateSizeSeries(models: readonly MemoryModel[], pairs: number, live: readonly { model: MemoryModel; pairs: number; accuracy: number }[]): Series[] {
  const column = RECALL_PAIRS.indexOf(pairs);
  const at = live.filter((l) => l.pairs === pairs);
  return [
    { name: `${pairs} pairs (GPU host)`, x: models.map(dState), y: models.map((m) => hostRecall(m)[column] ?? NaN), color: "#4e79a7", points: true },
    { name: "guessing (1/P)", x: models.map(dState), y: models.map(() => 1 / pairs), color: "#888", dashed: true },
    { name: `${pairs} pairs (live)`, x: at.map((l) => dState(l.model)), y: at.map((l) => l.accuracy), color: "#e15759", points: true, dashed: true },
  ];
}

export function recallTable(models: readonly MemoryModel[]): DataTable {
  return { columns: ["pairs", ...models.map((m) => `d_state_${dState(m)}`)], rows: RECALL_PAIRS.map((p, i) => [p, ...models.map((m) => hostRecall(m)[i])]) };
}

/** A live rerun of one point on the reader's backend. */
export function liveRecall(entry: MemoryModel, predict: Predictor, pairs: number, count: number, seed: number): Promise<TaskScore> {
  return scoreMqar(predict, entry.vocab, entry.task as MqarSettings, pairs, count, seed);
}
