/**
 * The one perturbation panel of the site: scale Δ and C over a token range, scale A for one channel,
 * zero B at chosen tokens. It returns an element whose `value` is the PerturbationState (perturbation.ts)
 * and which fires "input" on every change, so a page can `view()` it and a component can listen to it;
 * `overrides(length)` gives the engine's ScanOverrides. Every control lives in the URL under `name`.
 */
import { presets, slider, textInput, type Control } from "../controls.js";
import { buildOverrides, isUnperturbed, type PerturbationState } from "./perturbation.js";
import type { ScanOverrides } from "../../engine/types.js";

export interface PerturbationPanelOptions {
  /** Prefix of the URL parameters; unique on the page. */
  name: string;
  /** dInner and dState of the perturbed layer. */
  channels: number;
  state: number;
  /** The longest sequence the page runs (the range sliders' maximum + 1). */
  maxTokens: number;
  /** Initial token range; default [2, 4]. */
  range?: [number, number];
  /** What a "token" is called in labels (e.g. "character"). */
  tokenWord?: string;
  /**
   * A channel picker elsewhere on the page whose channel is the one whose A is scaled; the panel then
   * shows no channel slider of its own (and puts none in the URL). Default: the panel's own slider.
   */
  channelPicker?: Control<number>;
}

export type PerturbationPanel = HTMLElement & {
  readonly value: PerturbationState;
  /** The engine overrides of the current state for a sequence of `length` tokens. */
  overrides(length: number): ScanOverrides;
  /** Sets the token range (a brush on a heatmap calls this). */
  setRange(first: number, last: number): void;
  /** Adds or removes token `t` from the tokens whose B is 0 (a click on a B row calls this). */
  toggleZeroB(t: number): void;
  /** Back to no perturbation (the range and channel are kept). */
  reset(): void;
};

/** "3, 7, 12" → {3, 7, 12}: token indices, duplicates and non-integers dropped. */
export function parseTokenList(text: string): Set<number> {
  return new Set(text.split(/[\s,;]+/).filter(Boolean).map(Number).filter((t) => Number.isInteger(t) && t >= 0));
}

export function perturbationPanel(options: PerturbationPanelOptions): PerturbationPanel {
  const { name, channels, state, maxTokens } = options;
  const word = options.tokenWord ?? "token";
  const [first, last] = options.range ?? [2, 4];
  const controls = {
    from: slider({ name: `${name}-from`, label: `Perturbed ${word}s: from`, min: 0, max: maxTokens - 1, step: 1, value: first }),
    to: slider({ name: `${name}-to`, label: "… to", min: 0, max: maxTokens - 1, step: 1, value: last }),
    // 0 skips those tokens entirely (Ā = 1, B̄ = 0); large values reset the state at them, and with A flipped (below) push it past float64.
    deltaScale: slider({ name: `${name}-dscale`, label: `Scale Δ on those ${word}s (0: skip them)`, unit: "×", min: 0, max: 100, step: 0.05, value: 1 }),
    cScale: slider({ name: `${name}-cscale`, label: `Scale C on those ${word}s`, unit: "×", min: -3, max: 3, step: 0.05, value: 1 }),
    channel: options.channelPicker ?? slider({ name: `${name}-channel`, label: "Channel whose A is scaled", min: 0, max: channels - 1, step: 1, value: 0 }),
    // Below 0 the channel's A turns positive: the state grows without bound (the figures show the overflow).
    aScale: slider({ name: `${name}-ascale`, label: "Scale that channel's A (below 0: unstable)", unit: "×", min: -3, max: 5, step: 0.05, value: 1 }),
    zeroB: textInput({ name: `${name}-zerob`, label: `B = 0 at ${word}s (click a row of B, or type positions)`, value: "", maxLength: 200 }) as Control<string>,
  };
  const root = document.createElement("fieldset") as unknown as PerturbationPanel;
  root.className = "kit-perturbations";
  const legend = document.createElement("legend");
  legend.textContent = "Perturb the scan";
  const resetButton = document.createElement("button");
  resetButton.type = "button";
  resetButton.className = "kit-reset-perturbations";
  resetButton.textContent = "Reset perturbations";
  const tryThese = presets(
    "Try",
    [
      { label: `skip ${word}s (Δ = 0)`, values: { deltaScale: 0 } },
      { label: "reset the state there (Δ × 10)", values: { deltaScale: 10 } },
      { label: "read out nothing (C = 0)", values: { cScale: 0 } },
      { label: "slow decay (A × 0.1)", values: { aScale: 0.1 } },
    ],
    { deltaScale: controls.deltaScale, cScale: controls.cScale, aScale: controls.aScale },
  );
  root.append(legend, tryThese, ...Object.values(controls).filter((control) => control !== options.channelPicker), resetButton);

  const current = (): PerturbationState => ({
    range: [controls.from.value, controls.to.value],
    deltaScale: controls.deltaScale.value,
    cScale: controls.cScale.value,
    channel: controls.channel.value,
    aScale: controls.aScale.value,
    zeroB: parseTokenList(controls.zeroB.value),
  });
  // Every control's "input" bubbles to the fieldset: the panel's own event, one per change.
  Object.defineProperty(root, "value", { get: current });
  root.overrides = (length) => buildOverrides(current(), length, channels, state);
  root.setRange = (from, to) => {
    controls.from.value = Math.min(from, to);
    controls.to.value = Math.max(from, to);
  };
  root.toggleZeroB = (t) => {
    const zeroed = parseTokenList(controls.zeroB.value);
    if (zeroed.has(t)) zeroed.delete(t);
    else zeroed.add(t);
    controls.zeroB.value = [...zeroed].sort((a, b) => a - b).join(", ");
  };
  root.reset = () => {
    for (const control of [controls.deltaScale, controls.cScale, controls.aScale, controls.zeroB]) control.reset();
  };
  resetButton.addEventListener("click", () => root.reset());
  root.toggleAttribute("data-perturbed", !isUnperturbed(current()));
  root.addEventListener("input", () => root.toggleAttribute("data-perturbed", !isUnperturbed(current())));
  return root;
}
