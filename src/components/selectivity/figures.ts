/**
 * The selectivity page's figure data: heatmaps (channels or states down, tokens across, data tokens
 * outlined), the answer probabilities, the LTI kernel and the memory curves, plus their export tables.
 */
import { stateMatrix } from "../../engine/block.js";
import type { SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { MambaModel, Numbers } from "../../engine/types.js";
import type { HeatmapData } from "../charts/heatmap.js";
import type { Series } from "../charts/line-plot.js";
import type { DataTable } from "../format.js";
import { kvCacheSize, recurrentMemory } from "../../engine/recurrent.js";
import { discreteAForChannel, featureByToken, stateNorms, type MarkerAnswer } from "./analysis.js";
import type { ModelRun } from "../../engine/engine.js";
import { dataPositions, placeableTokens, tokenSymbol, MARKER_SYMBOL } from "./sequence.js";

/** Dashed boxes around the token columns of `positions`, over all `rows`. */
function columnOutlines(positions: readonly number[], rows: number): HeatmapData["outlines"] {
  return positions.map((t) => ({ rows: [0, rows - 1] as [number, number], columns: [t, t] as [number, number] }));
}

/** Δ of one layer, (channels, tokens), data tokens outlined. */
export function deltaHeatmap(run: ModelRun, layer: number, model: MambaModel, context: readonly number[], task: SelectiveCopyingSettings): HeatmapData {
  const { dInner } = model.config;
  return {
    values: featureByToken(run.layers[layer].delta, 0, run.length, dInner),
    rows: dInner,
    columns: run.length,
    outlines: columnOutlines(dataPositions(context, task), dInner),
  };
}

/** Ā_t = exp(Δ_t A) of one channel of one layer, (states, tokens). */
export function discreteAHeatmap(run: ModelRun, layer: number, model: MambaModel, channel: number, context: readonly number[], task: SelectiveCopyingSettings): HeatmapData {
  const { dInner, dState } = model.config;
  const A = stateMatrix(model.layers[layer].mixer);
  return {
    values: discreteAForChannel(run.layers[layer].delta, A, channel, run.length, dInner, dState),
    rows: dState,
    columns: run.length,
    outlines: columnOutlines(dataPositions(context, task), dState),
    domain: [0, 1],
  };
}

/** ‖h_t[c]‖ of one layer, (channels, tokens), from a reference trace; `outlined` token columns boxed. */
export function stateHeatmap(states: Numbers, model: MambaModel, length: number, outlined: readonly number[]): HeatmapData {
  const { dInner, dState } = model.config;
  return { values: stateNorms(states, length, dInner, dState), rows: dInner, columns: length, outlines: columnOutlines(outlined, dInner) };
}

/** Probabilities of every token at every marker, (markers, vocab), labelled with the wanted token. */
export function probabilityHeatmap(answers: readonly MarkerAnswer[], task: SelectiveCopyingSettings, vocab: number): HeatmapData {
  const values = new Float64Array(answers.length * vocab);
  answers.forEach((answer, i) => values.set(answer.probabilities, i * vocab));
  return {
    values,
    rows: answers.length,
    columns: vocab,
    rowLabels: answers.map((a, i) => `${i + 1} → ${a.expected === undefined ? "—" : tokenSymbol(task, a.expected)}`),
    columnLabels: Array.from({ length: vocab }, (_, id) => tokenSymbol(task, id)),
    domain: [0, 1],
  };
}

/** Long-format table of a heatmap for the CSV/JSON export. */
export function heatmapTable(data: HeatmapData, rowName: string, columnName: string): DataTable {
  const rows: (number | string)[][] = [];
  for (let r = 0; r < data.rows; r++) {
    for (let c = 0; c < data.columns; c++) rows.push([data.rowLabels?.[r] ?? r, data.columnLabels?.[c] ?? c, data.values[r * data.columns + c]]);
  }
  return { columns: [rowName, columnName, "value"], rows };
}

/** Options of the "place" control: noise and every data value. */
export function placeOptions(task: SelectiveCopyingSettings): { value: string; label: string }[] {
  return placeableTokens(task).map((id) => ({ value: String(id), label: id === task.noiseToken ? "noise ( . )" : `data ${tokenSymbol(task, id)}` }));
}

/** Marker pairs for swap-c, as "i-j" (1-based markers). */
export function swapOptions(task: SelectiveCopyingSettings): { value: string; label: string }[] {
  const options: { value: string; label: string }[] = [];
  for (let i = 1; i <= task.dataCount; i++) for (let j = i + 1; j <= task.dataCount; j++) options.push({ value: `${i}-${j}`, label: `markers ${i} ↔ ${j} ${MARKER_SYMBOL}` });
  return options;
}

/** Sequence lengths of the memory figure: 1 … 10⁶ tokens, 4 points per decade. */
export const MEMORY_LENGTHS = Array.from({ length: 25 }, (_, i) => 10 ** (i / 4));

/** Numbers kept to generate the next token vs L: Mamba's constant state and a same-size Transformer's KV cache. */
export function memorySeries(model: MambaModel): Series[] {
  const state = recurrentMemory(model.config).total;
  return [
    { name: "Transformer KV cache", x: MEMORY_LENGTHS, y: MEMORY_LENGTHS.map((L) => kvCacheSize(model.config, Math.round(L))), color: "#e15759", sym: "kv-cache" },
    { name: "Mamba state", x: MEMORY_LENGTHS, y: MEMORY_LENGTHS.map(() => state), color: "#4e79a7", sym: "mamba-state" },
  ];
}
