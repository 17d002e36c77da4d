/**
 * Δ as "linger time" on the trained character model (src/math.md#discretisation): the chosen channel's
 * Δ_t per character is the step the scan takes at that character; the reader scales Δ over some
 * characters (the perturbation panel) and three of the channel's states are compared before and after.
 * Large Δ: e^{ΔA} ≈ 0 forgets the past and ΔB·u writes the character in; small Δ: e^{ΔA} ≈ 1 and
 * ΔB·u ≈ 0, the character is skipped. And the bits per character the model reaches when its scan is
 * discretised by each rule instead of the one it was trained with.
 */
import type { DiscretisationRule } from "../../engine/types.js";
import type { Series } from "../charts/line-plot.js";
import type { PanelReading } from "../char-model/model-panel.js";
import { channelSeries, channelStates, characterSurprise, layerSizes, meanBits } from "../char-model/readout.js";

/** The states drawn: the channel's slowest, a middle one and its fastest (by |A|). */
export function lingerStates(reading: PanelReading): number[] {
  const layer = reading.run.layers[reading.layer];
  const { state } = layerSizes(layer);
  const order = Array.from({ length: state }, (_, n) => n).sort((a, b) => Math.abs(layer.A[reading.channel * state + a]) - Math.abs(layer.A[reading.channel * state + b]));
  return [order[0], order[Math.floor(state / 2)], order[state - 1]];
}
const COLORS = ["#4e79a7", "#f28e2c", "#e15759"];

/** h_t[n] of the shown states: as computed (dashed) and with the reader's perturbation (solid), against the position. */
export function lingerSeries(reading: PanelReading): Series[] {
  const original = channelStates(reading.run.layers[reading.layer], reading.channel);
  const perturbed = channelStates(reading.perturbed.layers[reading.layer], reading.channel);
  if (!original || !perturbed) return [];
  const { length, state } = layerSizes(reading.run.layers[reading.layer]);
  const positions = Array.from({ length }, (_, t) => t);
  const column = (states: Float64Array, n: number) => positions.map((t) => states[t * state + n]);
  return lingerStates(reading).flatMap((n, i) => [
    { name: `h[${n}], as computed`, x: positions, y: column(original, n), color: COLORS[i], dashed: true },
    { name: `h[${n}], perturbed`, x: positions, y: column(perturbed, n), color: COLORS[i], points: true },
  ]);
}

/** The chosen channel's Δ_t at every position of the run (0: the start character), perturbed. */
export function deltaPerCharacter(reading: PanelReading): Float64Array {
  const layer = reading.perturbed.layers[reading.layer];
  const { length, channels } = layerSizes(layer);
  return channelSeries(layer.delta, length, channels, reading.channel);
}

/** What the step does at one position: Δ, and e^{ΔA} (the share of the past kept) in the slowest and fastest state. */
export function lingerStep(reading: PanelReading, position: number): { delta: number; keepSlow: number; keepFast: number } {
  const layer = reading.perturbed.layers[reading.layer];
  const { channels, state } = layerSizes(layer);
  const delta = layer.delta[position * channels + reading.channel];
  const [slow, , fast] = lingerStates(reading);
  const a = (n: number) => layer.A[reading.channel * state + n];
  return { delta, keepSlow: Math.exp(delta * a(slow)), keepFast: Math.exp(delta * a(fast)) };
}

/** Where each rule's run is computed: the page's engine for the rules its kernels have, else the float64 reference. */
export const GPU_RULES: readonly DiscretisationRule[] = ["mamba", "zoh"];

export interface RuleScore {
  rule: DiscretisationRule;
  bitsPerCharacter: number;
  /** "page" (the page's engine) or "reference" (the float64 reference, in a worker). */
  computedBy: "page" | "reference";
}

/** Bits per character of a run of the text (NaN or ∞ when a rule makes the scan blow up). */
export function bitsOf(run: PanelReading["run"], ids: readonly number[]): number {
  return meanBits(characterSurprise(run, ids));
}
