/**
 * The chapters' exercise checks, pure: each takes the control values and answers from the engine
 * (the float64 reference), so the unit tests can check every check and every revealed answer.
 */
import { eigenvalues2x2, phasePortrait, type Matrix2 } from "../../../engine/continuous.js";
import { discretise } from "../../../engine/discretise.js";
import { causalConvolveDirect } from "../../../engine/kernel.js";
import { selectiveScan } from "../../../engine/selective-scan.js";
import { channelInput, channelScanInputs, frozenKernel, maxAbsDifference, type LiveBlock } from "../../convolution-scan/lti-case.js";
import { formatNumber } from "../../format.js";

export type Verdict = { ok: boolean; message?: string };

// ---------- chapter 1: the continuous SSM ----------

export interface Entries {
  a11: number;
  a12: number;
  a21: number;
  a22: number;
}

const matrix = (e: Entries): Matrix2 => [e.a11, e.a12, e.a21, e.a22];

/** Eigenvalues written "−0.2 ± 2i" or "−1, −2". */
function eigenText(e: Entries): string {
  const [l1, l2] = eigenvalues2x2(matrix(e));
  return Math.abs(l1.im) > 1e-12 ? `${formatNumber(l1.re)} ± ${formatNumber(Math.abs(l1.im))}i` : `${formatNumber(l1.re)}, ${formatNumber(l2.re)}`;
}

/** Phase portrait must be `wanted` (and `extra` must hold); the message names the current one. */
export function portraitIs(e: Entries, wanted: ReturnType<typeof phasePortrait>, extra = true): Verdict {
  const now = phasePortrait(matrix(e));
  return { ok: now === wanted && extra, message: `now a ${now}, eigenvalues ${eigenText(e)}` };
}

// ---------- chapter 2: discretisation ----------

/** |Ā| of `rule` for the mode a = −λ at step Δ. */
export function aBarSize(rule: "euler" | "zoh", lambda: number, delta: number): number {
  return Math.abs(discretise(rule, -lambda, 1, delta).aBar);
}

/** Δ is the largest value on the slider grid (`step`) for which Euler still decays at λ. */
export function largestStableEulerStep(lambda: number, delta: number, wantedLambda: number, step: number): Verdict {
  if (Math.abs(lambda - wantedLambda) > 1e-9) return { ok: false, message: `set λ to ${wantedLambda} first (it is ${formatNumber(lambda)})` };
  const stable = aBarSize("euler", lambda, delta) < 1;
  const nextStable = aBarSize("euler", lambda, delta + step) < 1;
  const message = `Δ = ${formatNumber(delta)}: |Ā_Euler| = ${formatNumber(aBarSize("euler", lambda, delta))}`;
  return { ok: stable && !nextStable, message: stable && nextStable ? `${message} — still stable, go higher` : message };
}

/** Euler's Ā is negative yet inside the unit circle: the state flips sign every step and still decays. */
export function eulerOscillatesButDecays(lambda: number, delta: number): Verdict {
  const aBar = discretise("euler", -lambda, 1, delta).aBar;
  return { ok: aBar < 0 && aBar > -1, message: `Ā_Euler = ${formatNumber(aBar)} (Δλ = ${formatNumber(lambda * delta)})` };
}

/** ZOH keeps less than `fraction` of the state per step. */
export function zohForgets(lambda: number, delta: number, fraction: number): Verdict {
  const aBar = discretise("zoh", -lambda, 1, delta).aBar;
  return { ok: aBar < fraction, message: `Ā_ZOH = ${formatNumber(aBar)}` };
}

// ---------- chapter 3: convolution vs scan ----------

export interface ScanChoice {
  channel: number;
  deltaScale: number;
  mode: string;
}

/** Largest gap between the recurrence (as the mode says) and the convolution with the frozen kernel, relative to the output size. */
export function convolutionGap(block: LiveBlock, c: ScanChoice): { gap: number; scale: number } {
  const kernel = frozenKernel(block, { channel: c.channel, deltaScale: c.deltaScale, frozen: true });
  const convolved = causalConvolveDirect(channelInput(block, c.channel), kernel);
  const recurrence = selectiveScan(channelScanInputs(block, { channel: c.channel, deltaScale: c.deltaScale, frozen: c.mode === "frozen" })).y;
  return { gap: maxAbsDifference(recurrence, convolved), scale: Math.max(...Array.from(recurrence, Math.abs)) };
}

export function convolutionDisagrees(block: LiveBlock | undefined, c: ScanChoice): Verdict {
  if (!block) return { ok: false, message: "the model is still reading your text" };
  const { gap, scale } = convolutionGap(block, c);
  return { ok: gap > 1e-3 * scale, message: `max |scan − convolution| = ${formatNumber(gap, 2)} (outputs of size ${formatNumber(scale, 2)})` };
}

/** |K̄_lag| at least `fraction` of |K̄_0| for the frozen kernel: a character still counts `lag` steps later. */
export function kernelRemembers(block: LiveBlock | undefined, c: ScanChoice, lag: number, fraction: number): Verdict {
  if (!block) return { ok: false, message: "the model is still reading your text" };
  const kernel = frozenKernel(block, { channel: c.channel, deltaScale: c.deltaScale, frozen: true });
  const ratio = Math.abs(kernel[lag]) / Math.abs(kernel[0]);
  return { ok: Number.isFinite(ratio) && ratio >= fraction, message: `|K̄_${lag}| / |K̄_0| = ${formatNumber(ratio, 2)}` };
}

/** Two different steps (a₁, b₁) ≠ (a₂, b₂) whose composition does not depend on the order. */
export function stepsCommute(a1: number, b1: number, a2: number, b2: number): Verdict {
  const inOrder = a2 * b1 + b2;
  const swapped = a1 * b2 + b1;
  const different = Math.abs(a1 - a2) > 1e-9 && Math.abs(b1 - b2) > 1e-9;
  const gap = Math.abs(inOrder - swapped);
  return { ok: different && gap < 1e-9, message: different ? `reordering difference ${formatNumber(gap)}` : "make a₁ ≠ a₂ and b₁ ≠ b₂" };
}

// ---------- chapter 5: the whole block ----------

/** The answer `answer` equals `expected` exactly. */
export function answerIs(answer: number, expected: number, unit: string): Verdict {
  return { ok: answer === expected, message: answer === expected ? `yes: ${expected} ${unit}` : `${answer} is ${answer < expected ? "too few" : "too many"}` };
}
