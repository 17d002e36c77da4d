/**
 * One Mamba block (MAMBA-SPEC §5) in float64, with every intermediate exposed for the pages:
 *   [x | z] = in_proj(u);  x ← SiLU(conv(x));  [δ | B | C] = x_proj(x);  Δ = softplus(dt_proj(δ));
 *   A = −exp(A_log);  y = scan(x, Δ, A, B, C) + D·x;  out = out_proj(y ⊙ SiLU(z)).
 * Sequences are token-major: (batch, length, features). `mambaBlockStep` is the same block one token
 * at a time with constant-size state (the last k − 1 conv inputs and h).
 */
import { silu, softplus } from "./activations.js";
import { inputScale } from "./discretise.js";
import { check } from "./errors.js";
import { causalDepthwiseConv, linear, sliceColumns, swapAxes } from "./layers.js";
import { applyPerturbation } from "./overrides.js";
import { selectiveScan, selectiveScanTrace, type SelectiveScanTrace } from "./selective-scan.js";
import type { BRule, MambaBlockWeights, ScanOverrides } from "./types.js";

export interface BlockOptions {
  /** Readers' overrides of Δ, A, B, C, shared by all batch rows. */
  overrides?: ScanOverrides;
  /** How B is discretised; "mamba" (Δ·B) is what checkpoints were trained with. */
  rule?: BRule;
  /** Also keep Ā, B̄ and h for every token (memory: 3 · batch · length · dInner · dState). */
  keepStates?: boolean;
}

/** Everything one block computes; shapes use batch, length, dModel, dInner (channels), dState, dtRank. */
export interface BlockIntermediates {
  /** (batch, length, dInner): x from in_proj, before the conv */
  xProjected: Float64Array;
  /** (batch, length, dInner): the gate branch from in_proj */
  z: Float64Array;
  /** (batch, length, dInner): SiLU(conv(x)), the scan's input */
  xConv: Float64Array;
  /** (batch, length, dtRank): δ from x_proj */
  deltaLowRank: Float64Array;
  /** (batch, length, dInner): softplus(dt_proj(δ)), after overrides */
  delta: Float64Array;
  /** (dInner, dState): −exp(A_log), after overrides */
  A: Float64Array;
  /** (batch, length, dState), after overrides */
  B: Float64Array;
  /** (batch, length, dState), after overrides */
  C: Float64Array;
  /** (batch, length, dInner): Σ_n C_t[n] h_t[c, n], before the skip and the gate */
  y: Float64Array;
  /** (batch, length, dInner): (y + D·x) ⊙ SiLU(z), the input of out_proj */
  yGated: Float64Array;
  /** (batch, length, dModel) */
  output: Float64Array;
  /** (batch, dInner, dState): h after the last token */
  finalState: Float64Array;
  /** (batch, length, dInner, dState), only with keepStates */
  aBar?: Float64Array;
  bBar?: Float64Array;
  states?: Float64Array;
}

/** A = −exp(A_log), (dInner, dState). */
export function stateMatrix(weights: MambaBlockWeights): Float64Array {
  return Float64Array.from(weights.ALog, (v) => -Math.exp(v));
}

/** Runs the block on input (batch, length, dModel). */
export function mambaBlockForward(
  weights: MambaBlockWeights,
  input: ArrayLike<number>,
  batch: number,
  length: number,
  options: BlockOptions = {},
): BlockIntermediates {
  const { dModel, dInner, dState, dtRank, convWidth } = weights.dims;
  const tokens = batch * length;
  check(input.length === tokens * dModel, `block input has ${input.length} values, expected ${tokens * dModel} (batch × length × dModel)`);
  const { overrides = {}, rule = "mamba" } = options;
  const xz = linear(input, tokens, weights.inProj, weights.inProjBias, dModel, 2 * dInner);
  const xProjected = sliceColumns(xz, tokens, 2 * dInner, 0, dInner);
  const z = sliceColumns(xz, tokens, 2 * dInner, dInner, dInner);
  const xConv = causalDepthwiseConv(xProjected, batch, length, weights.conv, weights.convBias, convWidth).map(silu);
  const projected = linear(xConv, tokens, weights.xProj, undefined, dInner, dtRank + 2 * dState);
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
    u: swapAxes(xConv, batch, length, dInner),
    delta: swapAxes(delta, batch, length, dInner),
    A,
    B: swapAxes(B, batch, length, dState),
    C: swapAxes(C, batch, length, dState),
    D: weights.D,
    z: swapAxes(z, batch, length, dInner),
    rule,
  };
  const scanned = options.keepStates ? selectiveScanTrace(scanInputs) : selectiveScan(scanInputs);
  const yGated = swapAxes(scanned.out, batch, dInner, length);
  const intermediates: BlockIntermediates = {
    xProjected,
    z,
    xConv,
    deltaLowRank,
    delta,
    A,
    B,
    C,
    y: swapAxes(scanned.yNoSkipNoGate, batch, dInner, length),
    yGated,
    output: linear(yGated, tokens, weights.outProj, weights.outProjBias, dInner, dModel),
    finalState: Float64Array.from(scanned.finalState),
  };
  if (options.keepStates) {
    const trace = scanned as SelectiveScanTrace;
    intermediates.aBar = swapAxes(trace.aBar, batch, dInner, length, dState);
    intermediates.bBar = swapAxes(trace.bBar, batch, dInner, length, dState);
    intermediates.states = swapAxes(trace.states, batch, dInner, length, dState);
  }
  return intermediates;
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

/** The intermediates of one token (each the row of that token in BlockIntermediates). */
export interface BlockStepResult {
  xConv: Float64Array;
  z: Float64Array;
  delta: Float64Array;
  B: Float64Array;
  C: Float64Array;
  y: Float64Array;
  yGated: Float64Array;
  /** (dModel) */
  output: Float64Array;
  state: BlockState;
}

/** One token u (dModel) through the block, from `state` to the returned state (the input state is not modified). */
export function mambaBlockStep(weights: MambaBlockWeights, state: BlockState, u: ArrayLike<number>, rule: BRule = "mamba"): BlockStepResult {
  const { dModel, dInner, dState, dtRank, convWidth } = weights.dims;
  check(u.length === dModel, `block step input has ${u.length} values, expected dModel = ${dModel}`);
  const xz = linear(u, 1, weights.inProj, weights.inProjBias, dModel, 2 * dInner);
  const x = xz.subarray(0, dInner);
  const z = xz.slice(dInner);
  const convInputs = new Float64Array(convWidth * dInner);
  convInputs.set(state.convWindow);
  convInputs.set(x, (convWidth - 1) * dInner);
  const xConv = causalDepthwiseConv(convInputs, 1, convWidth, weights.conv, weights.convBias, convWidth)
    .slice((convWidth - 1) * dInner)
    .map(silu);
  const projected = linear(xConv, 1, weights.xProj, undefined, dInner, dtRank + 2 * dState);
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
      h[i] = Math.exp(delta[c] * a) * state.h[i] + inputScale(rule, a, delta[c]) * B[n] * xConv[c];
      y[c] += C[n] * h[i];
    }
    yGated[c] = (y[c] + weights.D[c] * xConv[c]) * silu(z[c]);
  }
  return {
    xConv,
    z,
    delta,
    B,
    C,
    y,
    yGated,
    output: linear(yGated, 1, weights.outProj, weights.outProjBias, dInner, dModel),
    state: { convWindow: convInputs.slice(dInner), h },
  };
}
