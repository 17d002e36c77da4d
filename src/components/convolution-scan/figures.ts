/** Data shaping for the convolution-vs-scan figures: series, tables and read-outs from engine results. */
import {
  attentionGenerationMemory,
  attentionOperations,
  convolutionGenerationMemory,
  fftConvolutionOperations,
  scanGenerationMemory,
  scanOperations,
  type LayerSizes,
} from "../../engine/costs.js";
import { combinePairs } from "../../engine/scans.js";
import type { Series } from "../charts/line-plot.js";
import type { DataTable } from "../format.js";
import { maxAbsDifference } from "./lti-case.js";
import type { ScalingPoint } from "./measure.js";
import type { ThreeWays } from "./three-ways.js";

export const METHOD_COLORS = { recurrence: "#4e79a7", direct: "#f28e2c", fft: "#59a14f", attention: "#e15759" } as const;

/** The three outputs on top of each other: solid recurrence, dashed direct convolution, FFT as dots-and-line. */
export function threeWaysSeries(result: ThreeWays): Series[] {
  const t = Array.from(result.recurrence, (_, i) => i);
  return [
    { name: "recurrence (fused scan)", x: t, y: result.recurrence, color: METHOD_COLORS.recurrence, sym: "method-recurrence" },
    { name: "direct convolution", x: t, y: result.direct, color: METHOD_COLORS.direct, dashed: true, sym: "method-direct" },
    { name: "FFT convolution", x: t, y: result.fft, color: METHOD_COLORS.fft, dashed: true, sym: "method-fft" },
  ];
}

export function threeWaysTable(result: ThreeWays): DataTable {
  return { columns: ["t", "recurrence", "direct", "fft"], rows: Array.from(result.recurrence, (y, t) => [t, y, result.direct[t], result.fft[t]]) };
}

/** The largest disagreement between any two methods, and each pair's. */
export function disagreements(result: ThreeWays): { worst: number; recurrenceDirect: number; recurrenceFFT: number; directFFT: number } {
  const recurrenceDirect = maxAbsDifference(result.recurrence, result.direct);
  const recurrenceFFT = maxAbsDifference(result.recurrence, result.fft);
  const directFFT = maxAbsDifference(result.direct, result.fft);
  return { worst: Math.max(recurrenceDirect, recurrenceFFT, directFFT), recurrenceDirect, recurrenceFFT, directFFT };
}

/** Lengths 2^4 … 2^20 for the cost curves. */
export const COST_LENGTHS: readonly number[] = Array.from({ length: 17 }, (_, i) => 2 ** (i + 4));

export function operationSeries(sizes: LayerSizes): Series[] {
  const x = COST_LENGTHS;
  return [
    { name: "recurrence O(L)", x, y: x.map((L) => scanOperations(L, sizes)), color: METHOD_COLORS.recurrence, sym: "cost-scan" },
    { name: "FFT convolution O(L log L)", x, y: x.map((L) => fftConvolutionOperations(L, sizes)), color: METHOD_COLORS.fft, sym: "cost-fft" },
    { name: "attention O(L²)", x, y: x.map((L) => attentionOperations(L, sizes)), color: METHOD_COLORS.attention, sym: "cost-attention" },
  ];
}

export function memorySeries(sizes: LayerSizes): Series[] {
  const x = COST_LENGTHS;
  return [
    { name: "recurrence: state h", x, y: x.map((L) => scanGenerationMemory(L, sizes)), color: METHOD_COLORS.recurrence, sym: "cost-scan" },
    { name: "convolution: past inputs", x, y: x.map((L) => convolutionGenerationMemory(L, sizes)), color: METHOD_COLORS.fft, sym: "cost-fft" },
    { name: "attention: KV cache", x, y: x.map((L) => attentionGenerationMemory(L, sizes)), color: METHOD_COLORS.attention, sym: "cost-attention" },
  ];
}

export function costTable(series: readonly Series[]): DataTable {
  return { columns: ["L", ...series.map((s) => s.name)], rows: COST_LENGTHS.map((L, i) => [L, ...series.map((s) => s.y[i])]) };
}

export function scalingSeries(points: readonly ScalingPoint[]): Series[] {
  const x = points.map((p) => p.length);
  return [
    { name: "scan", x, y: points.map((p) => p.scanMs), color: METHOD_COLORS.recurrence, sym: "cost-scan" },
    { name: "attention", x, y: points.map((p) => p.attentionMs), color: METHOD_COLORS.attention, sym: "cost-attention" },
  ];
}

/**
 * The slope of log(time) against log(L) between the first and last point: ≈ 1 for linear growth,
 * ≈ 2 for quadratic (once fixed per-call costs stop dominating).
 */
export function logLogSlope(lengths: readonly number[], times: readonly number[]): number {
  const last = lengths.length - 1;
  if (last < 1 || !(times[0] > 0) || !(times[last] > 0)) return NaN;
  return Math.log(times[last] / times[0]) / Math.log(lengths[last] / lengths[0]);
}

/** The associativity check on three pairs: both groupings, and both orders of the first two. */
export function associativity(p: readonly [number, number][]): {
  leftFirst: [number, number];
  rightFirst: [number, number];
  inOrder: [number, number];
  swapped: [number, number];
} {
  const [[a1, b1], [a2, b2], [a3, b3]] = p;
  const first = combinePairs(a1, b1, a2, b2);
  const second = combinePairs(a2, b2, a3, b3);
  return {
    leftFirst: combinePairs(first[0], first[1], a3, b3),
    rightFirst: combinePairs(a1, b1, second[0], second[1]),
    inOrder: first,
    swapped: combinePairs(a2, b2, a1, b1),
  };
}
