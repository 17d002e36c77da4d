/**
 * Data for the 2-D figures of /continuous, all from the float64 engine: the phase portrait of
 * h' = A h, the eigenvalues of A in the complex plane with a stability verdict, and the exact
 * response to the chosen input signal.
 */
import { eigenvalues2x2, expm2x2, linspace, phasePortrait, planarImpulseResponse, type Matrix2, type PlanarSSM } from "../../engine/continuous.js";
import type { Trajectory } from "../../engine/discretise.js";
import { planarPiecewiseResponse, planarSineResponse } from "../../engine/planar-inputs.js";
import { SIGNAL_PERIOD, signalPieces, signalValue, type SignalName } from "../../engine/signals.js";
import type { Series } from "../charts/line-plot.js";
import type { ComplexPlaneData } from "../charts/complex-plane.js";
import type { PhasePortraitData } from "../charts/phase-portrait.js";
import { formatNumber, type DataTable } from "../format.js";

/** B writes the input into both states; C reads their sum. */
export const PLANAR_B = [1, 1] as const;
export const PLANAR_C = [1, 1] as const;

/** The four entries of A as the sliders name them. */
export interface MatrixEntries {
  a11: number;
  a12: number;
  a21: number;
  a22: number;
}

export const A_PRESETS: readonly { label: string; values: MatrixEntries }[] = [
  { label: "decaying", values: { a11: -1, a12: 0.6, a21: 0.3, a22: -1.5 } },
  { label: "oscillating", values: { a11: -0.2, a12: -2, a21: 2, a22: -0.2 } },
  { label: "unstable", values: { a11: 0.3, a12: -1.5, a21: 1.5, a22: 0.3 } },
  { label: "Mamba: diagonal, negative", values: { a11: -1, a12: 0, a21: 0, a22: -2 } },
];

export function planarSSM(entries: MatrixEntries): PlanarSSM {
  return { A: [entries.a11, entries.a12, entries.a21, entries.a22], B: PLANAR_B, C: PLANAR_C };
}

/** The phase portrait's box: h₁, h₂ ∈ [−BOX, BOX]. */
const BOX = 2;

const PORTRAIT_TIME = 12;
const PORTRAIT_SAMPLES = 400;

/**
 * Free trajectories h(t) = e^{At} h0 from six starts on a circle, sampled every dt by the exact
 * propagator e^{A dt} (closed form), each cut where it leaves the box (an unstable A sends them off
 * to infinity; the chart must not draw outside its axes).
 */
export function portraitData(A: Matrix2): PhasePortraitData {
  const e = expm2x2(A, PORTRAIT_TIME / PORTRAIT_SAMPLES);
  const starts = [0.3, 1.35, 2.4, 3.45, 4.5, 5.55].map((angle) => [1.8 * Math.cos(angle), 1.8 * Math.sin(angle)] as [number, number]);
  return {
    field: (h1, h2) => [A[0] * h1 + A[1] * h2, A[2] * h1 + A[3] * h2],
    trajectories: starts.map((h0) => {
      const points: [number, number][] = [];
      for (let i = 0, h = h0; i <= PORTRAIT_SAMPLES && Math.abs(h[0]) <= BOX && Math.abs(h[1]) <= BOX; i++) {
        points.push(h);
        h = [e[0] * h[0] + e[1] * h[1], e[2] * h[0] + e[3] * h[1]];
      }
      return { name: `from (${formatNumber(h0[0], 2)}, ${formatNumber(h0[1], 2)})`, points };
    }),
  };
}

/** The eigenvalues of A as markers over the stable left half-plane, in a box that always shows them. */
export function eigenvalueData(A: Matrix2): ComplexPlaneData {
  const [first, second] = eigenvalues2x2(A);
  const reach = Math.max(1.5, ...[first, second].map((l) => 1.25 * Math.max(Math.abs(l.re), Math.abs(l.im))));
  const label = (l: { re: number; im: number }) => (l.im === 0 ? `λ = ${formatNumber(l.re)}` : `λ = ${formatNumber(l.re)} ${l.im > 0 ? "+" : "−"} ${formatNumber(Math.abs(l.im))}i`);
  return {
    region: "left-half-plane",
    regionLabel: "Re λ < 0: stable",
    markers: [first, second].map((l, i) => ({ name: `eigenvalue ${i + 1}`, re: l.re, im: l.im, color: "#e15759", label: label(l) })),
    domain: { re: [-reach, reach], im: [-reach, reach] },
  };
}

/** One sentence: stable or not and why, from the eigenvalues' real parts and the kind of fixed point. */
export function stabilityVerdict(A: Matrix2): { stable: boolean; text: string } {
  const [first, second] = eigenvalues2x2(A);
  const largest = Math.max(first.re, second.re);
  const kind = phasePortrait(A);
  const reason = `largest real part of an eigenvalue ${formatNumber(largest)}`;
  if (largest < 0) return { stable: true, text: `Stable (${kind}): ${reason} < 0, so every trajectory decays to 0 like exp(${formatNumber(largest)} t).` };
  if (largest === 0) return { stable: false, text: `On the edge (${kind}): ${reason}; nothing decays, nothing grows without bound along that mode.` };
  return { stable: false, text: `Unstable (${kind}): ${reason} > 0, so almost every trajectory grows like exp(${formatNumber(largest)} t).` };
}

export const SIGNAL_HORIZON = 20;

/** The exact response to `signal` from h(0) = 0, sampled on [0, SIGNAL_HORIZON]: times, x, states, y. */
export function signalResponse(A: Matrix2, signal: SignalName): { times: Float64Array; input: Float64Array } & Trajectory {
  const ssm: PlanarSSM = { A, B: PLANAR_B, C: PLANAR_C };
  const times = linspace(0, SIGNAL_HORIZON, 801);
  const input = Float64Array.from(times, (t) => signalValue(signal, t));
  const pieces = signalPieces(signal, SIGNAL_HORIZON);
  const response =
    signal === "impulse"
      ? planarImpulseResponse(ssm, times)
      : signal === "sine"
        ? planarSineResponse(ssm, [0, 0], 1, (2 * Math.PI) / SIGNAL_PERIOD, times)
        : planarPiecewiseResponse(ssm, [0, 0], pieces ?? [], times);
  return { times, input, ...response };
}

/** Series for the response figure: input x (dashed), states h₁ and h₂, output y. */
export function signalSeries(A: Matrix2, signal: SignalName): Series[] {
  const { times, input, states, outputs } = signalResponse(A, signal);
  const state = (n: number) => Float64Array.from(times, (_, i) => states[2 * i + n]);
  return [
    { name: signal === "impulse" ? "input x(t) = δ(t) (drawn as 0 after t = 0)" : "input x(t)", x: times, y: input, color: "#8c8c8c", dashed: true, sym: "x" },
    { name: "state h₁(t)", x: times, y: state(0), color: "#4e79a7", sym: "h" },
    { name: "state h₂(t)", x: times, y: state(1), color: "#76b7b2", sym: "h" },
    { name: "output y(t) = C·h(t)", x: times, y: outputs, color: "#e15759", sym: "y" },
  ];
}

/** A long table of any series list (series, x, y), for CSV/JSON export. */
export function seriesRows(series: readonly Series[]): DataTable {
  return { columns: ["series", "x", "y"], rows: series.flatMap((s) => Array.from(s.x, (x, i) => [s.name, x, s.y[i]] as [string, number, number])) };
}
