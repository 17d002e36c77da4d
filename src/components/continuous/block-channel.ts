/**
 * One channel of the live block read as N leaky integrators: time constants 1/|A_n|, memory in tokens
 * 1/(Δ|A_n|) at the chosen token, B and C there, and what each state keeps of that token's input k
 * tokens later if Δ stayed the same: C_n · e^{kΔA_n} · ΔB_n (Mamba's rule).
 */
import type { Series } from "../charts/line-plot.js";
import type { ChannelAtToken } from "../live-channel.js";

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

/** Time constants 1/|A_n| (in the SSM's time) and memory lengths 1/(Δ|A_n|) (in tokens). */
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
    { name: "sum over all 16 states", x: k, y: total, color: "#9c755f", sym: "y" },
  ];
}
