/**
 * Data shaping for the selectivity chapter's figures: answers and accuracy at the markers, the
 * selection mechanism's Δ and Ā = exp(Δ A) per token, the state's size per token, the LTI model's
 * convolution kernel. Pure functions of engine outputs.
 */
import { stateMatrix } from "../../engine/block.js";
import { ltiKernel } from "../../engine/kernel.js";
import type { MambaModel, Numbers } from "../../engine/types.js";
import type { ModelRun } from "../../engine/engine.js";

/** softmax of logits[offset … offset + count). */
export function softmax(logits: ArrayLike<number>, offset: number, count: number): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < count; k++) max = Math.max(max, logits[offset + k]);
  const p = Float64Array.from({ length: count }, (_, k) => Math.exp(logits[offset + k] - max));
  const sum = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / sum);
}

export interface MarkerAnswer {
  position: number;
  /** The data token this marker must output, undefined when the context has too few. */
  expected?: number;
  /** argmax of the logits. */
  predicted: number;
  /** (vocab) */
  probabilities: Float64Array;
}

/** The model's answer at every marker of batch row `row`. */
export function markerAnswers(run: ModelRun, row: number, positions: readonly number[], expected: readonly (number | undefined)[]): MarkerAnswer[] {
  return positions.map((position, i) => {
    const probabilities = softmax(run.logits, (row * run.length + position) * run.vocab, run.vocab);
    const predicted = probabilities.reduce((best, p, k) => (p > probabilities[best] ? k : best), 0);
    return { position, expected: expected[i], predicted, probabilities };
  });
}

/** Answers that match their expected token, over every row and marker that has one. */
export function accuracyOf(run: ModelRun, positions: readonly number[], expectedRows: readonly (readonly (number | undefined)[])[]): { correct: number; total: number } {
  let correct = 0;
  let total = 0;
  expectedRows.forEach((expected, row) => {
    for (const answer of markerAnswers(run, row, positions, expected)) {
      if (answer.expected === undefined) continue;
      total++;
      if (answer.predicted === answer.expected) correct++;
    }
  });
  return { correct, total };
}

/** Batch row `row` of values (batch, length, width) transposed to (width, length): channels down, tokens across. */
export function featureByToken(values: Numbers, row: number, length: number, width: number): Float64Array {
  const out = new Float64Array(width * length);
  for (let t = 0; t < length; t++) {
    for (let c = 0; c < width; c++) out[c * length + t] = values[(row * length + t) * width + c];
  }
  return out;
}

/** Ā_t[c, n] = exp(Δ_t[c] · A[c, n]) for one channel c, as (state, length), from Δ of batch row 0 (length, dInner). */
export function discreteAForChannel(delta: Numbers, A: Numbers, channel: number, length: number, dInner: number, dState: number): Float64Array {
  const out = new Float64Array(dState * length);
  for (let n = 0; n < dState; n++) {
    for (let t = 0; t < length; t++) out[n * length + t] = Math.exp(delta[t * dInner + channel] * A[channel * dState + n]);
  }
  return out;
}

/** ‖h_t[c, ·]‖₂ as (dInner, length) from states (1, length, dInner, dState). */
export function stateNorms(states: Numbers, length: number, dInner: number, dState: number): Float64Array {
  const out = new Float64Array(dInner * length);
  for (let t = 0; t < length; t++) {
    for (let c = 0; c < dInner; c++) {
      let sum = 0;
      for (let n = 0; n < dState; n++) sum += states[(t * dInner + c) * dState + n] ** 2;
      out[c * length + t] = Math.sqrt(sum);
    }
  }
  return out;
}

/** Mean over channels of Δ at the given positions, from Δ of batch row 0 (length, dInner). */
export function meanDelta(delta: Numbers, positions: readonly number[], dInner: number): number {
  if (positions.length === 0) return Number.NaN;
  let sum = 0;
  for (const t of positions) for (let c = 0; c < dInner; c++) sum += delta[t * dInner + c];
  return sum / (positions.length * dInner);
}

/**
 * The LTI model's kernel in `layer`: Δ, B, C are the same at every token, so the layer is the
 * convolution y = K̄ * x with K̄_ℓ[c] = Σ_n C_n · Δ_c B_n · exp(Δ_c A_cn)^ℓ (Mamba's B̄ = ΔB).
 * Returns the root mean square over channels of K̄_ℓ[c] for ℓ = 0 … lags − 1.
 */
export function ltiKernelRms(run: ModelRun, model: MambaModel, layer: number, lags: number): Float64Array {
  const { dInner, dState } = model.config;
  const A = stateMatrix(model.layers[layer].mixer);
  const { delta, B, C } = run.layers[layer];
  const sumSquares = new Float64Array(lags);
  for (let c = 0; c < dInner; c++) {
    const step = delta[c];
    const aBar = Float64Array.from({ length: dState }, (_, n) => Math.exp(step * A[c * dState + n]));
    const bBar = Float64Array.from({ length: dState }, (_, n) => step * B[n]);
    const kernel = ltiKernel(aBar, bBar, C.subarray(0, dState), lags);
    kernel.forEach((k, l) => (sumSquares[l] += k * k));
  }
  return sumSquares.map((s) => Math.sqrt(s / dInner));
}

/** Largest |Δ_t − Δ_0| over tokens and channels of batch row 0: 0 for a time-invariant layer. */
export function deltaVariation(delta: Numbers, length: number, dInner: number): number {
  let worst = 0;
  for (let t = 1; t < length; t++) for (let c = 0; c < dInner; c++) worst = Math.max(worst, Math.abs(delta[t * dInner + c] - delta[c]));
  return worst;
}
