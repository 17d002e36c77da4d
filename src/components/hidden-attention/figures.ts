/** Data shaping for the hidden-attention figures: matrix tables, live checks, the chunked step-through. */
import { numericalRank, type SsdChunked } from "../../engine/hidden-attention.js";
import type { HeatmapData } from "../charts/heatmap.js";
import type { Series } from "../charts/line-plot.js";
import { matrixCells, type MatrixOutline, type TokenMatrixData } from "../charts/token-matrix.js";
import { maxAbsDifference } from "../convolution-scan/lti-case.js";
import type { DataTable } from "../format.js";

export const FORM_COLORS = { scan: "#4e79a7", quadratic: "#e15759", chunked: "#59a14f", state: "#f28e2c" } as const;

/** A drawn matrix as rows (t, s, character t, character s, value), for the CSV and JSON exports. */
export function matrixTable(data: TokenMatrixData, valueName: string): DataTable {
  return {
    columns: ["t", "s", "char t", "char s", valueName],
    rows: matrixCells(data.size, data.part).map(([t, s]) => [t, s, data.labels[t], data.labels[s], data.values[t * data.size + s]]),
  };
}

/** max |v| over `values` (0 for none). */
export function largest(values: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i]));
  return worst;
}

/**
 * The block strictly below the diagonal that splits the sequence in half, rows ⌈L/2⌉..L−1 and
 * columns 0..⌈L/2⌉−1: its rank is at most 1 for a state term and at most N for M.
 */
export function lowerBlock(length: number): { row0: number; rows: number; column0: number; columns: number } {
  const half = Math.ceil(length / 2);
  return { row0: half, rows: length - half, column0: 0, columns: half };
}

/** The numerical rank of `matrix`'s lowerBlock. */
export function lowerBlockRank(matrix: ArrayLike<number>, length: number): number {
  return length < 2 ? 0 : numericalRank(matrix, length, lowerBlock(length));
}

/** The chunk k of a chunked run, clamped to the last one. */
export function clampChunk(chunked: SsdChunked, k: number): number {
  return Math.max(0, Math.min(k, chunked.chunks.length - 1));
}

/**
 * What the matrix of the step-through shows at chunk k: chunk boundaries, the diagonal block of chunk k
 * (solid: computed as attention), the rows of chunk k left of it (dashed: reached through the state
 * passed in), and the rows after chunk k faded (not computed yet).
 */
export function chunkOutlines(chunked: SsdChunked, k: number): { outlines: MatrixOutline[]; fadeFromRow: number; grid: number } {
  const chunk = chunked.chunks[clampChunk(chunked, k)];
  const outlines: MatrixOutline[] = [{ rows: [chunk.start, chunk.end - 1], columns: [chunk.start, chunk.end - 1], dashed: false }];
  if (chunk.start > 0) outlines.push({ rows: [chunk.start, chunk.end - 1], columns: [0, chunk.start - 1], dashed: true });
  return { outlines, fadeFromRow: chunk.end, grid: chunked.chunkSize };
}

/**
 * y of the step-through: the scan (solid), the chunked output so far (dashed, chunks 0..k), and chunk
 * k's part that arrives through the state passed in (the rest of it comes from its diagonal block).
 */
export function chunkSeries(chunked: SsdChunked, k: number, scanY: ArrayLike<number>): Series[] {
  const chunk = chunked.chunks[clampChunk(chunked, k)];
  const range = (start: number, end: number) => Array.from({ length: end - start }, (_, i) => start + i);
  return [
    { name: "scan", x: range(0, scanY.length), y: Float64Array.from(scanY), color: FORM_COLORS.scan, sym: "form-scan" },
    { name: "chunked, chunks 0..k", x: range(0, chunk.end), y: chunked.y.slice(0, chunk.end), color: FORM_COLORS.chunked, dashed: true, points: true, sym: "form-chunked" },
    { name: "chunk k: part through the state passed in", x: range(chunk.start, chunk.end), y: chunk.yFromState, color: FORM_COLORS.state, sym: "form-state" },
  ];
}

/** The states passed between chunks: row k is the state entering chunk k + 1 (h at the end of chunk k), (chunks, N). */
export function passedStates(chunked: SsdChunked, k: number): HeatmapData {
  const shown = clampChunk(chunked, k);
  const N = chunked.chunks[0].stateOut.length;
  const rows = chunked.chunks.length;
  const values = new Float64Array(rows * N);
  chunked.chunks.forEach((chunk, i) => values.set(chunk.stateOut, i * N));
  return {
    values,
    rows,
    columns: N,
    rowLabels: chunked.chunks.map((chunk) => `h${chunk.end - 1}`),
    outlines: [{ rows: [shown, shown], columns: [0, N - 1] }],
  };
}

/** The step-through's numbers: the worst gap to the scan over the chunks computed so far. */
export function chunkGap(chunked: SsdChunked, k: number, scanY: ArrayLike<number>): number {
  const end = chunked.chunks[clampChunk(chunked, k)].end;
  return maxAbsDifference(chunked.y.subarray(0, end), Array.from(scanY).slice(0, end));
}

/** Line-plot series as one table: a row per x of the first series, each series' y at that x or "" where it has none. */
export function seriesTable(series: readonly Series[], xName: string): DataTable {
  const lookups = series.map((s) => new Map(Array.from(s.x, (x, i) => [x, s.y[i]])));
  return {
    columns: [xName, ...series.map((s) => s.name)],
    rows: Array.from(series[0]?.x ?? [], (x) => [x, ...lookups.map((lookup) => lookup.get(x) ?? "")]),
  };
}
