/**
 * Δ as "linger time" on the live block: Δ of one token (all channels) is scaled, and one channel's
 * states are compared before and after. Large Δ: e^{ΔA} ≈ 0 forgets the past and ΔB x writes the
 * token in; small Δ: e^{ΔA} ≈ 1 and ΔB x ≈ 0, the token is skipped.
 */
import type { ScanOverrides } from "../../engine/types.js";
import type { Series } from "../charts/line-plot.js";
import { LIVE_CHANNELS, LIVE_STATE, type LiveRun } from "../live-channel.js";
import { buildOverrides } from "../widget/perturbations.js";

/** The states drawn; state 0 has the longest memory (A = −1 at init), state 15 the shortest. */
export const LINGER_STATES = [0, 3, 15] as const;
const COLORS = ["#4e79a7", "#f28e2c", "#e15759"];

/** Δ × scale on token `token` only (every channel), nothing else changed. */
export function lingerOverrides(token: number, scale: number, length: number): ScanOverrides {
  return buildOverrides({ range: [token, token], deltaScale: scale, cScale: 1, channel: 0, aScale: 1, zeroB: new Set() }, length, LIVE_CHANNELS, LIVE_STATE);
}

/** h_t[n] of the shown states: original (dashed) and with the scaled Δ (solid), against the token index. */
export function lingerSeries(original: Float64Array, perturbed: Float64Array, length: number): Series[] {
  const tokens = Array.from({ length }, (_, t) => t);
  const column = (states: Float64Array, n: number) => tokens.map((t) => states[t * LIVE_STATE + n]);
  return LINGER_STATES.flatMap((n, i) => [
    { name: `h[${n}], Δ unchanged`, x: tokens, y: column(original, n), color: COLORS[i], dashed: true },
    { name: `h[${n}], Δ scaled at one token`, x: tokens, y: column(perturbed, n), color: COLORS[i], points: true },
  ]);
}

/** What the scaled step does at the token: Ā_n = e^{ΔA_n} (share of the past kept) and B̄ factor Δ, for state 0 and 15. */
export function lingerStep(run: LiveRun, channel: number, token: number): { delta: number; keepSlow: number; keepFast: number } {
  const delta = run.run.delta[token * LIVE_CHANNELS + channel];
  const a = (n: number) => run.run.A[channel * LIVE_STATE + n];
  return { delta, keepSlow: Math.exp(delta * a(0)), keepFast: Math.exp(delta * a(LIVE_STATE - 1)) };
}
