/**
 * One channel of the trained character model read as N leaky integrators (src/math.md#continuous):
 * its poles A[c, n] as eigenvalues, time constants 1/|A_n|, memory in characters 1/(Δ|A_n|) at the chosen
 * character, B and C there, what each state keeps of that character's input k characters later if Δ
 * stayed the same, C_n · e^{kΔA_n} · ΔB_n (Mamba's rule), and the integrators h_t[n] themselves, driven
 * by the input u_t that the model computes for the text. Everything comes from the page's run (PanelReading).
 */
import type { ComplexPlaneData } from "../charts/complex-plane.js";
import type { Series } from "../charts/line-plot.js";
import type { PanelReading } from "../char-model/model-panel.js";
import { channelA, channelSeries, channelStates, layerSizes } from "../char-model/readout.js";

/** Channel `channel` at one token as a continuous SSM: its A row, Δ, B_t and C_t (each (state) but Δ). */
export interface ChannelAtToken {
  a: Float64Array;
  delta: number;
  b: Float64Array;
  c: Float64Array;
}

/**
 * The chosen channel of the chosen layer at run position `position` (0 is the start character, t + 1 the
 * text's character t), as computed (not perturbed).
 */
export function channelAtToken(reading: PanelReading, position: number): ChannelAtToken {
  const layer = reading.run.layers[reading.layer];
  const { channels, state } = layerSizes(layer);
  const row = (values: ArrayLike<number>) => Float64Array.from({ length: state }, (_, n) => values[position * state + n]);
  return { a: channelA(layer, reading.channel), delta: layer.delta[position * channels + reading.channel], b: row(layer.B), c: row(layer.C) };
}

/** The channel's poles λ_n = A[c, n] in the complex plane (all real and negative: Mamba's A is diagonal and real). */
export function channelEigenvalues(reading: PanelReading): ComplexPlaneData {
  const a = channelA(reading.run.layers[reading.layer], reading.channel);
  const low = Math.min(-1, ...a) * 1.1;
  return {
    region: "left-half-plane",
    regionLabel: "Re λ < 0: every state decays",
    markers: Array.from(a, (re, n) => ({ re, im: 0, name: `λ_${n}`, label: n === 0 || n === a.length - 1 ? `λ${n === 0 ? "₀" : "₁₅"} = ${re.toFixed(2)}` : undefined, color: "#e15759", sym: "lambda" })),
    domain: { re: [low, Math.max(0.5, -low * 0.1)], im: [-1, 1] },
  };
}

/**
 * The integrators over the text: the channel's input u_t (the scan's input, SiLU of the convolution) and its
 * states h_t[n] for the shown n, against the character position. Needs the run's states of the layer.
 */
export function integratorSeries(reading: PanelReading): Series[] {
  const layer = reading.run.layers[reading.layer];
  const { length, channels, state } = layerSizes(layer);
  const positions = Array.from({ length }, (_, t) => t);
  const u = channelSeries(layer.u, length, channels, reading.channel);
  const h = channelStates(layer, reading.channel);
  const states = h ? SHOWN_STATES.map((n, i) => ({ name: `h_t[${n}]`, x: positions, y: Float64Array.from({ length }, (_, t) => h[t * state + n]), color: STATE_COLORS[i] })) : [];
  return [{ name: "input u_t", x: positions, y: u, color: "#8c8c8c", dashed: true, sym: "x" }, ...states];
}

/** The states shown one by one in the memory figure (all of them go into the sum). */
export const SHOWN_STATES = [0, 1, 3, 7, 15] as const;
const STATE_COLORS = ["#4e79a7", "#f28e2c", "#e15759", "#76b7b2", "#59a14f"];
export const MEMORY_HORIZON = 24;

/** B_t[n] and C_t[n] against the state index n. */
export function bcSeries(channel: ChannelAtToken): Series[] {
  const n = Array.from(channel.b, (_, i) => i);
  return [
    { name: "B_t[n] (writes)", x: n, y: channel.b, color: "#4e79a7", sym: "b" },
    { name: "C_t[n] (reads)", x: n, y: channel.c, color: "#f28e2c", sym: "c" },
  ];
}

/** Time constants 1/|A_n| (in the SSM's time) and memory lengths 1/(Δ|A_n|) (in characters). */
export function memoryLengths(channel: ChannelAtToken): { timeConstants: Float64Array; tokens: Float64Array } {
  return {
    timeConstants: channel.a.map((a) => 1 / Math.abs(a)),
    tokens: channel.a.map((a) => 1 / (channel.delta * Math.abs(a))),
  };
}

/** C_n e^{kΔA_n} ΔB_n for k = 0..MEMORY_HORIZON for the shown states, and their sum over all n. */
export function memorySeries(channel: ChannelAtToken): Series[] {
  const k = Array.from({ length: MEMORY_HORIZON + 1 }, (_, i) => i);
  const trace = (n: number) => k.map((step) => channel.c[n] * Math.exp(step * channel.delta * channel.a[n]) * channel.delta * channel.b[n]);
  const total = k.map((_, i) => channel.a.reduce((sum, _a, n) => sum + trace(n)[i], 0));
  return [
    ...SHOWN_STATES.map((n, i) => ({ name: `state ${n} (A = ${channel.a[n].toFixed(2)})`, x: k, y: trace(n), color: STATE_COLORS[i] })),
    { name: `sum over all ${channel.a.length} states`, x: k, y: total, color: "#9c755f", sym: "y" },
  ];
}
