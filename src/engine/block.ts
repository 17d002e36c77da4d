/**
 * One Mamba block (src/math.md#block) in float64, with every intermediate exposed for the pages:
 *   [x | z] = in_proj(input);  u = SiLU(conv(x));  [δ | B | C] = x_proj(u);  Δ = softplus(dt_proj(δ));
 *   A = −exp(A_log);  y = scan(u, Δ, A, B, C);  yGated = (y + D·u) ⊙ SiLU(z);  out = out_proj(yGated).
 * Sequences are token-major: (batch, length, features); the names are engine.ts's. `mambaBlockStep` is
 * the same block one token at a time with constant-size state (the last k − 1 conv inputs and h).
 */
import { silu, softplus } from "./activations.js";
import { discreteDecay, inputScale } from "./discretise.js";
import type { BlockOptions, BlockRun } from "./engine.js";
import { check } from "./errors.js";
import { countReferenceCall } from "./reference-calls.js";
import { causalDepthwiseConv, linear, sliceColumns, swapAxes } from "./layers.js";
import { applyPerturbation } from "./overrides.js";
import { selectiveScan, selectiveScanTrace, type SelectiveScanTrace } from "./selective-scan.js";
import type { DiscretisationRule, MambaBlockWeights } from "./types.js";

/** A = −exp(A_log), (dInner, dState). */
export function stateMatrix(weights: MambaBlockWeights): Float64Array {
  return Float64Array.from(weights.ALog, (v) => -Math.exp(v));
}

/** The last `width − 1` rows of x (batch, length, channels) per batch row, zeros where the sequence is shorter. */
export function convWindowAfter(x: Float64Array, batch: number, length: number, channels: number, width: number): Float64Array {
  const kept = width - 1;
  const window = new Float64Array(batch * kept * channels);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < kept; j++) {
      const t = length - kept + j;
      if (t >= 0) window.set(x.subarray((b * length + t) * channels, (b * length + t + 1) * channels), (b * kept + j) * channels);
    }
  }
  return window;
}

/** Runs the block on input (batch, length, dModel). */
export function mambaBlockForward(
  weights: MambaBlockWeights,
  input: ArrayLike<number>,
  batch: number,
  length: number,
  options: BlockOptions = {},
): BlockRun<Float64Array> {
  countReferenceCall();
  const { dModel, dInner, dState, dtRank, convWidth } = weights.dims;
  const tokens = batch * length;
  check(input.length === tokens * dModel, `block input has ${input.length} values, expected ${tokens * dModel} (batch × length × dModel)`);
  const { overrides = {}, rule = "mamba" } = options;
  const xz = linear(input, tokens, weights.inProj, weights.inProjBias, dModel, 2 * dInner);
  const x = sliceColumns(xz, tokens, 2 * dInner, 0, dInner);
  const z = sliceColumns(xz, tokens, 2 * dInner, dInner, dInner);
  const u = causalDepthwiseConv(x, batch, length, weights.conv, weights.convBias, convWidth).map(silu);
  const projected = linear(u, tokens, weights.xProj, undefined, dInner, dtRank + 2 * dState);
  const deltaLowRank = sliceColumns(projected, tokens, dtRank + 2 * dState, 0, dtRank);
  const deltaComputed = linear(deltaLowRank, tokens, weights.dtProj, weights.dtProjBias, dtRank, dInner).map(softplus);
  const delta = applyPerturbation(deltaComputed, overrides.delta, length * dInner, "delta", "length × channels");
  const A = applyPerturbation(stateMatrix(weights), overrides.A, dInner * dState, "A", "channels × state");
  const B = applyPerturbation(sliceColumns(projected, tokens, dtRank + 2 * dState, dtRank, dState), overrides.B, length * dState, "B", "length × state");
  const C = applyPerturbation(sliceColumns(projected, tokens, dtRank + 2 * dState, dtRank + dState, dState), overrides.C, length * dState, "C", "length × state");
  const scanInputs = {
    batch,
    channels: dInner,
    length,
    state: dState,
    u: swapAxes(u, batch, length, dInner),
    delta: swapAxes(delta, batch, length, dInner),
    A,
    B: swapAxes(B, batch, length, dState),
    C: swapAxes(C, batch, length, dState),
    D: weights.D,
    z: swapAxes(z, batch, length, dInner),
    rule,
  };
  const scanned = options.states ? selectiveScanTrace(scanInputs) : selectiveScan(scanInputs);
  const yGated = swapAxes(scanned.yGated, batch, dInner, length);
  const run: BlockRun<Float64Array> = {
    batch,
    length,
    input: Float64Array.from(input),
    x,
    z,
    u,
    deltaLowRank,
    delta,
    A,
    B,
    C,
    y: swapAxes(scanned.y, batch, dInner, length),
    yGated,
    out: linear(yGated, tokens, weights.outProj, weights.outProjBias, dInner, dModel),
    finalState: Float64Array.from(scanned.finalState),
    convState: convWindowAfter(x, batch, length, dInner, convWidth),
  };
  if (options.states) run.states = swapAxes((scanned as SelectiveScanTrace).states, batch, dInner, length, dState);
  return run;
}

/** The constant-size state of a block while decoding one sequence token by token. */
export interface BlockState {
  /** (convWidth − 1, dInner): the previous conv inputs, oldest first */
  convWindow: Float64Array;
  /** (dInner, dState) */
  h: Float64Array;
}

/** The state before the first token: zeros, as the conv pads with zeros and h_{−1} = 0. */
export function initialBlockState(weights: MambaBlockWeights): BlockState {
  const { dInner, dState, convWidth } = weights.dims;
  return { convWindow: new Float64Array((convWidth - 1) * dInner), h: new Float64Array(dInner * dState) };
}

/** The intermediates of one token (each the row of that token in a BlockRun). */
export interface BlockStepResult {
  u: Float64Array;
  z: Float64Array;
  delta: Float64Array;
  B: Float64Array;
  C: Float64Array;
  y: Float64Array;
  yGated: Float64Array;
  /** (dModel) */
  out: Float64Array;
  state: BlockState;
}

/** One token u (dModel) through the block, from `state` to the returned state (the input state is not modified). */
export function mambaBlockStep(weights: MambaBlockWeights, state: BlockState, input: ArrayLike<number>, rule: DiscretisationRule = "mamba"): BlockStepResult {
  const { dModel, dInner, dState, dtRank, convWidth } = weights.dims;
  check(input.length === dModel, `block step input has ${input.length} values, expected dModel = ${dModel}`);
  const xz = linear(input, 1, weights.inProj, weights.inProjBias, dModel, 2 * dInner);
  const x = xz.subarray(0, dInner);
  const z = xz.slice(dInner);
  const convInputs = new Float64Array(convWidth * dInner);
  convInputs.set(state.convWindow);
  convInputs.set(x, (convWidth - 1) * dInner);
  const u = causalDepthwiseConv(convInputs, 1, convWidth, weights.conv, weights.convBias, convWidth)
    .slice((convWidth - 1) * dInner)
    .map(silu);
  const projected = linear(u, 1, weights.xProj, undefined, dInner, dtRank + 2 * dState);
  const delta = linear(projected.subarray(0, dtRank), 1, weights.dtProj, weights.dtProjBias, dtRank, dInner).map(softplus);
  const B = projected.slice(dtRank, dtRank + dState);
  const C = projected.slice(dtRank + dState);
  const A = stateMatrix(weights);
  const h = new Float64Array(dInner * dState);
  const y = new Float64Array(dInner);
  const yGated = new Float64Array(dInner);
  for (let c = 0; c < dInner; c++) {
    for (let n = 0; n < dState; n++) {
      const a = A[c * dState + n];
      const i = c * dState + n;
      h[i] = discreteDecay(rule, a, delta[c]) * state.h[i] + inputScale(rule, a, delta[c]) * B[n] * u[c];
      y[c] += C[n] * h[i];
    }
    yGated[c] = (y[c] + weights.D[c] * u[c]) * silu(z[c]);
  }
  return {
    u,
    z,
    delta,
    B,
    C,
    y,
    yGated,
    out: linear(yGated, 1, weights.outProj, weights.outProjBias, dInner, dModel),
    state: { convWindow: convInputs.slice(dInner), h },
  };
}
