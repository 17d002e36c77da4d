/**
 * Small, exact data sets for the /kit gallery, computed with the float64 engine: a free response
 * per discretisation rule, an LTI kernel, a 2-D phase portrait and a token × channel pattern.
 */
import { discretise, type DiscretisationRule } from "../engine/discretise.js";
import type { Series } from "./charts/line-plot.js";
import type { PhasePortraitData } from "./charts/phase-portrait.js";
import type { HeatmapData } from "./charts/heatmap.js";
import type { DataTable } from "./format.js";

export const GALLERY_RULES: readonly DiscretisationRule[] = ["euler", "bilinear", "zoh"];

/** |h_k| of the free response h_k = Ā^k h_0 (h_0 = 1) of mode a under each rule, k = 0..steps−1. */
export function freeResponse(a: number, delta: number, steps: number): Series[] {
  return GALLERY_RULES.map((rule) => {
    const { aBar } = discretise(rule, a, 1, delta);
    const k = Array.from({ length: steps }, (_, i) => i);
    return { name: rule, x: k, y: k.map((i) => Math.abs(aBar) ** i), sym: `curve-${rule}` };
  });
}

/** The series as a long table (series, x, y) for CSV/JSON export. */
export function seriesTable(series: readonly Series[]): DataTable {
  const rows = series.flatMap((s) => Array.from(s.x, (x, i) => [s.name, x, s.y[i]] as [string, number, number]));
  return { columns: ["series", "x", "y"], rows };
}

/** K̄_ℓ = Σ_n C_n B̄_n Ā_n^ℓ (src/math.md#kernel) for S4D-Real modes a_n = a·(n+1), B = C = 1, ZOH. */
export function ltiKernel(a: number, delta: number, modes: number, length: number): number[] {
  const discrete = Array.from({ length: modes }, (_, n) => discretise("zoh", a * (n + 1), 1, delta));
  return Array.from({ length }, (_, l) => discrete.reduce((sum, mode) => sum + mode.bBar * mode.aBar ** l, 0));
}

/** h' = [[a, −ω], [ω, a]] h: a damped rotation; trajectories from four starts, integrated exactly per step. */
export function dampedRotation(a: number, omega: number, steps = 120, dt = 0.05): PhasePortraitData {
  const field = (x: number, y: number) => [a * x - omega * y, omega * x + a * y] as const;
  const decay = Math.exp(a * dt);
  const [cos, sin] = [Math.cos(omega * dt), Math.sin(omega * dt)];
  const starts: [number, number][] = [
    [1.8, 0],
    [0, 1.8],
    [-1.8, 0],
    [0, -1.8],
  ];
  const trajectories = starts.map(([x0, y0], index) => {
    const points: [number, number][] = [[x0, y0]];
    for (let k = 0; k < steps; k++) {
      const [x, y] = points[points.length - 1];
      points.push([decay * (cos * x - sin * y), decay * (sin * x + cos * y)]);
    }
    return { name: `start ${index + 1}`, points };
  });
  return { field, trajectories };
}

/** A smooth token × channel pattern: sin of the token times a per-channel frequency, scaled by `gain`. */
export function tokenChannelPattern(tokens: readonly string[], channels: number, gain: number): HeatmapData {
  const values = new Float64Array(tokens.length * channels);
  for (let t = 0; t < tokens.length; t++) {
    for (let c = 0; c < channels; c++) values[t * channels + c] = gain * Math.sin((t + 1) * (0.3 + 0.15 * c)) * Math.exp(-0.05 * c);
  }
  return { values, rows: tokens.length, columns: channels, rowLabels: tokens };
}

/** The heatmap as a long table (row, column, value). */
export function matrixTable(data: HeatmapData, rowName: string, columnName: string): DataTable {
  const rows: [number, number, number][] = [];
  for (let r = 0; r < data.rows; r++) for (let c = 0; c < data.columns; c++) rows.push([r, c, data.values[r * data.columns + c]]);
  return { columns: [rowName, columnName, "value"], rows };
}
