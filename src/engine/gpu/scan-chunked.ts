/**
 * The chunked WGSL selective scan, the engine's kernel for real GPUs (src/math.md#chunked-kernel).
 * Every (batch row, channel, state) is an independent linear recurrence h_t = ā_t·h_{t−1} + b̄_t·u_t,
 * so the kernel gives each invocation one channel and one long chunk of time, and keeps all of a
 * group of K states in registers: each token costs K independent multiply-adds whose exponentials
 * ā_t = 2^{Δ_t·A·log₂e} do not depend on h, so nothing on the dependency chain waits for memory or
 * for the special-function unit. A workgroup holds G neighbouring channels × S = WORKGROUP/G chunks
 * covering the whole sequence, and runs three phases per group of states:
 *   1. summary: every invocation runs its chunk from h = 0 and keeps the end state s_n and ΣΔ;
 *   2. combine: in workgroup memory, per (channel, state), the chunks' start states in order,
 *      h_start[k+1] = 2^{A·log₂e·ΣΔ_k}·h_start[k] + s_k (a chunk's decay is the exponential of its ΣΔ);
 *      the last one is the final state, written once;
 *   3. replay: every invocation runs its chunk again from its start state, summing y_t = Σ_n C_t[n]·h_t[n]
 *      in registers, and writes out_t = (y_t + D·u_t)·SiLU(z_t).
 * One dispatch, two barriers per group of states, no atomics and no waiting between workgroups.
 * u, Δ and z are read as 4-vectors where the layout makes 4 consecutive tokens contiguous, B and C
 * where it makes 4 states (token-major) or 4 tokens (channel-major) contiguous.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { BRule } from "../types.js";
import type { ScanLayoutName, ScanSizes } from "./layout.js";
import { commonScanUniforms, runScanProgram, unrolled, WRITE_TOKEN_WGSL, ZOH_SCALE_WGSL, type ScanTensors } from "./wgsl.js";

/** Compile-time shape: invocations per workgroup, tokens per unrolled step (a multiple of 4), states held in registers. */
export interface ChunkedTiling {
  workgroup: number;
  step: number;
  states: number;
}

/** Tuned on an NVIDIA H200 (docs/performance.md). */
export const CHUNKED_TILING: ChunkedTiling = { workgroup: 128, step: 8, states: 16 };

/** What is compiled into one pipeline besides the tiling: the rule, the layout and how wide each load is. */
export interface ChunkedVariant {
  rule: BRule;
  layout: ScanLayoutName;
  /** u, Δ, z as 4-vectors of consecutive tokens (channel-major, length a multiple of 4). */
  vectorX: boolean;
  /** B, C as 4-vectors of consecutive states (token-major, N a multiple of 4) or tokens (channel-major, L a multiple of 4). */
  vectorBC: boolean;
  /** N is a multiple of the states per group, so no state needs masking. */
  exactStates: boolean;
}

export function chunkedVariant({ length, state }: ScanSizes, layout: ScanLayoutName, rule: BRule, tiling: ChunkedTiling): ChunkedVariant {
  const tokenMajor = layout === "tokens-first";
  return {
    rule,
    layout,
    vectorX: !tokenMajor && length % 4 === 0,
    vectorBC: tokenMajor ? state % 4 === 0 && tiling.states % 4 === 0 : length % 4 === 0,
    exactStates: state % tiling.states === 0,
  };
}

export const chunkedVariantKey = (v: ChunkedVariant) =>
  `${v.rule}_${v.layout}_${v.vectorX ? "x4" : "x1"}_${v.vectorBC ? "bc4" : "bc1"}_${v.exactStates ? "exact" : "masked"}`;

/**
 * Channels per workgroup G: the most, up to MAX_CHANNELS, that still leave ENOUGH_WORKGROUPS to fill the
 * GPU, and at least MIN_CHANNELS. More channels share each chunk's B and C and (token-major) make
 * each token's loads contiguous; fewer make more, shorter chunks. Fitted to the sweep of
 * docs/performance.md (an H200, chunks per channel 8…128 at the four benchmark shapes), where it
 * picks the fastest measured choice at every shape in both layouts.
 */
const ENOUGH_WORKGROUPS = 384;
const MAX_CHANNELS: Record<ScanLayoutName, number> = { "channels-first": 16, "tokens-first": 8 };
const MIN_CHANNELS: Record<ScanLayoutName, number> = { "channels-first": 1, "tokens-first": 2 };

/** Chunks per channel S = workgroup / G (see ENOUGH_WORKGROUPS). */
export function chunkedSlots({ batch, channels }: ScanSizes, layout: ScanLayoutName, tiling: ChunkedTiling = CHUNKED_TILING): number {
  let perGroup = MIN_CHANNELS[layout];
  while (perGroup * 2 <= MAX_CHANNELS[layout] && batch * Math.ceil(channels / (perGroup * 2)) >= ENOUGH_WORKGROUPS) perGroup *= 2;
  return tiling.workgroup / perGroup;
}

/** Tokens per chunk for `slots` chunks: a multiple of the step. */
export function chunkLength(length: number, slots: number, tiling: ChunkedTiling): number {
  return Math.ceil(Math.ceil(length / slots) / tiling.step) * tiling.step;
}

export const CHUNKED_UNIFORMS = [
  "batch", "channels", "length", "state", "channelsPerGroup", "groupsPerRow", "chunkLength", "hasZ", "keepRaw",
  "xBatch", "xChannel", "xTime", "bcBatch", "bcState", "bcTime", "finalStateOffset", "rawOffset",
] as const;

/** Components of each input binding (u, delta, A, B, C, D, Z), for tfjs's variableComponents. */
export function chunkedComponents(v: ChunkedVariant): number[] {
  const x = v.vectorX ? 4 : 1;
  const bc = v.vectorBC ? 4 : 1;
  return [x, x, 1, bc, bc, 1, x];
}

/** The WGSL of one variant; see the module comment for the three phases. */
export function chunkedScanShader({ workgroup, step, states: K }: ChunkedTiling, v: ChunkedVariant): string {
  const tokenMajor = v.layout === "tokens-first";
  const quads = step / 4;
  const tokens = (line: (j: number) => string) => unrolled(step, line);
  const perState = (line: (k: number) => string) => unrolled(K, line);

  // Loads of one step's u, Δ (and z) for tokens first … first + step − 1; values x{j}, dt{j} (z{j}).
  const loadX = (withZ: boolean) =>
    v.vectorX
      ? unrolled(quads, (q) => `let tq${q} = first + ${4 * q};
    let aq${q} = (xRow + min(tq${q}, L - 4)) / 4;
    let xq${q} = u[aq${q}];
    let dq${q} = select(vec4<f32>(0.0), delta[aq${q}], tq${q} < L);${withZ ? `\n    let zq${q} = Z[aq${q}];` : ""}`) +
        "\n" +
        tokens((j) => `let x${j} = xq${j >> 2}[${j & 3}];
    let dt${j} = dq${j >> 2}[${j & 3}];${withZ ? `\n    let z${j} = zq${j >> 2}[${j & 3}];` : ""}
    let at${j} = xRow + first + ${j};`)
      : tokens((j) => `let at${j} = xRow + min(first + ${j}, L - 1) * uniforms.xTime;
    let x${j} = u[at${j}];
    let dt${j} = select(0.0, delta[at${j}], first + ${j} < L);${withZ ? `\n    let z${j} = Z[at${j}];` : ""}`);

  // Loads of B or C, named {name}{k}_{j}, for token j (token-major) or state k (channel-major).
  const bcName = (name: string, k: number, j: number) => `${name}${k}_${j}`;
  const loadBCForToken = (name: string, tensor: string, j: number, mask: boolean) =>
    v.vectorBC
      ? unrolled(K / 4, (q) => {
          const quad = `${tensor}[(bcRow + min(first + ${j}, L - 1) * uniforms.bcTime) / 4 + min(n0 / 4 + ${q}, N / 4 - 1)]`;
          return `let ${name}q${q}_${j} = ${mask && !v.exactStates ? `select(vec4<f32>(0.0), ${quad}, n0 + ${4 * q} < N)` : quad};
    ${unrolled(4, (i) => `let ${bcName(name, 4 * q + i, j)} = ${name}q${q}_${j}[${i}];`)}`;
        })
      : perState((k) => {
          const value = `${tensor}[bcRow + n${k} * uniforms.bcState + min(first + ${j}, L - 1) * uniforms.bcTime]`;
          return `let ${bcName(name, k, j)} = ${mask && !v.exactStates ? `select(0.0, ${value}, has${k})` : value};`;
        });
  const loadBCForState = (name: string, tensor: string, k: number, mask: boolean) =>
    v.vectorBC
      ? unrolled(quads, (q) => {
          const quad = `${tensor}[(bcRow + n${k} * uniforms.bcState + min(first + ${4 * q}, L - 4)) / 4]`;
          return `let ${name}q${k}_${q} = ${mask && !v.exactStates ? `select(vec4<f32>(0.0), ${quad}, has${k})` : quad};
    ${unrolled(4, (i) => `let ${bcName(name, k, 4 * q + i)} = ${name}q${k}_${q}[${i}];`)}`;
        })
      : tokens((j) => {
          const value = `${tensor}[bcRow + n${k} * uniforms.bcState + min(first + ${j}, L - 1) * uniforms.bcTime]`;
          return `let ${bcName(name, k, j)} = ${mask && !v.exactStates ? `select(0.0, ${value}, has${k})` : value};`;
        });

  // One update of state k at token j; the replay also adds C·h to y{j}.
  const update = (k: number, j: number, replay: boolean) => {
    const decay = `exp2(dt${j} * rate${k})`;
    const advance =
      v.rule === "mamba"
        ? `h${k} = ${decay} * h${k} + dx${j} * ${bcName("B", k, j)};`
        : `let decay${k}_${j} = ${decay};
    h${k} = decay${k}_${j} * h${k} + zohScale(dt${j}, dt${j} * a${k}, decay${k}_${j}, inverseA${k}) * x${j} * ${bcName("B", k, j)};`;
    return replay ? `${advance}\n    y${j} += ${bcName("C", k, j)} * h${k};` : advance;
  };

  // One step of `step` tokens: loads, then the K·step updates in the order the loads arrive.
  const stepBody = (replay: boolean) => {
    const body = tokenMajor
      ? tokens((j) => `${loadBCForToken("B", "B", j, true)}
    ${replay ? loadBCForToken("C", "C", j, false) : ""}
    ${perState((k) => update(k, j, replay))}`)
      : perState((k) => `${loadBCForState("B", "B", k, true)}
    ${replay ? loadBCForState("C", "C", k, false) : ""}
    ${tokens((j) => update(k, j, replay))}`);
    return `${loadX(replay)}
    ${tokens((j) => `let dx${j} = dt${j} * x${j};${replay ? `\n    var y${j} = 0.0;` : `\n    deltaSum += dt${j};`}`)}
    ${body}
    ${replay ? tokens((j) => `if (inRange && first + ${j} < L) {
      var y = y${j};
      if (n0 > 0) { y += result[at${j}]; }
      if (lastGroup) { writeToken(at${j}, y, skip, x${j}, z${j}); } else { result[at${j}] = y; }
    }`) : ""}`;
  };

  return /* wgsl */ `
const WORKGROUP = ${workgroup};
const STEP = ${step};
const K = ${K};
const LOG2E = 1.4426950408889634;
// Per invocation: its chunk's end state from h = 0 (phase 1), then its start state (phase 2).
var<workgroup> summaryState : array<f32, ${K * workgroup}>;
var<workgroup> summaryDelta : array<f32, ${workgroup}>;
${WRITE_TOKEN_WGSL}
${v.rule === "zoh" ? ZOH_SCALE_WGSL : ""}
fn main(index : i32) {
  let invocation = i32(localIndex);
  let G = uniforms.channelsPerGroup;
  let slots = WORKGROUP / G;
  let g = invocation % G;
  let slot = invocation / G;
  let workgroupIndex = index / WORKGROUP;
  let row = workgroupIndex / uniforms.groupsPerRow;
  let rowInRange = row < uniforms.batch;
  let b = min(row, uniforms.batch - 1);
  let firstChannel = (workgroupIndex % uniforms.groupsPerRow) * G;
  // Invocations past the last channel compute a copy of it (every load in bounds, every barrier
  // reached) and write nothing.
  let inRange = rowInRange && firstChannel + g < uniforms.channels;
  let c = min(firstChannel + g, uniforms.channels - 1);
  let L = uniforms.length;
  let N = uniforms.state;
  let chunkStart = slot * uniforms.chunkLength;
  let chunkEnd = min(chunkStart + uniforms.chunkLength, L);
  let xRow = b * uniforms.xBatch + c * uniforms.xChannel;
  let bcRow = b * uniforms.bcBatch;
  let skip = D[c];
  for (var n0 = 0; n0 < N; n0 += K) {
    let lastGroup = n0 + K >= N;
    // States past N (when K does not divide N) get A = 0 and B = 0: h stays 0 and adds nothing.
    ${perState((k) => `let has${k} = n0 + ${k} < N;
    let n${k} = min(n0 + ${k}, N - 1);
    let a${k} = select(0.0, A[c * N + n${k}], has${k});
    let rate${k} = a${k} * LOG2E;${v.rule === "zoh" ? `\n    let inverseA${k} = select(0.0, 1.0 / a${k}, a${k} != 0.0);` : ""}
    var h${k} = 0.0;`)}

    // Phase 1: this chunk from h = 0.
    var deltaSum = 0.0;
    for (var first = chunkStart; first < chunkEnd; first += STEP) {
    ${stepBody(false)}
    }
    ${perState((k) => `summaryState[invocation * K + ${k}] = h${k};`)}
    summaryDelta[invocation] = deltaSum;
    workgroupBarrier();

    // Phase 2: per (channel, state), the chunks' start states in time order; the last is the final state.
    for (var p = invocation; p < G * K; p += WORKGROUP) {
      let pg = p / K;
      let pn = n0 + p % K;
      let pRate = select(0.0, A[min(firstChannel + pg, uniforms.channels - 1) * N + min(pn, N - 1)], pn < N) * LOG2E;
      var carried = 0.0;
      var s = 0;
      for (; s + 4 <= slots; s += 4) {
        ${unrolled(4, (i) => `let i${i} = ((s + ${i}) * G + pg) * K + p % K;
        let end${i} = summaryState[i${i}];
        let decay${i} = exp2(pRate * summaryDelta[(s + ${i}) * G + pg]);`)}
        ${unrolled(4, (i) => `summaryState[i${i}] = carried;
        carried = decay${i} * carried + end${i};`)}
      }
      for (; s < slots; s++) {
        let i = (s * G + pg) * K + p % K;
        let end = summaryState[i];
        summaryState[i] = carried;
        carried = exp2(pRate * summaryDelta[s * G + pg]) * carried + end;
      }
      if (rowInRange && pn < N && firstChannel + pg < uniforms.channels) {
        result[uniforms.finalStateOffset + (b * uniforms.channels + firstChannel + pg) * N + pn] = carried;
      }
    }
    workgroupBarrier();

    // Phase 3: this chunk again from its start state, with y and the outputs.
    ${perState((k) => `h${k} = summaryState[invocation * K + ${k}];`)}
    for (var first = chunkStart; first < chunkEnd; first += STEP) {
    ${stepBody(true)}
    }
    workgroupBarrier();
  }
}
`;
}

/** Runs the chunked kernel; returns the packed float32 buffer of layout.ts as a new 1-D tensor. */
export function chunkedScanWebGPU(
  backend: WebGPUBackend,
  tensors: ScanTensors,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
  tiling: ChunkedTiling = CHUNKED_TILING,
  slots = chunkedSlots(sizes, layout, tiling),
): tf.TensorInfo {
  const perGroup = tiling.workgroup / slots;
  const groupsPerRow = Math.ceil(sizes.channels / perGroup);
  const variant = chunkedVariant(sizes, layout, rule, tiling);
  const common = commonScanUniforms(sizes, layout, keepRaw, tensors.z !== undefined);
  const values: Record<(typeof CHUNKED_UNIFORMS)[number], number> = {
    ...common,
    channelsPerGroup: perGroup,
    groupsPerRow,
    chunkLength: chunkLength(sizes.length, slots, tiling),
  };
  return runScanProgram(backend, tensors, {
    shaderKey: `mambaChunkedSelectiveScan_${tiling.workgroup}x${tiling.step}x${tiling.states}_${chunkedVariantKey(variant)}`,
    code: chunkedScanShader(tiling, variant),
    outputSize: common.outputSize,
    workgroup: tiling.workgroup,
    workgroups: sizes.batch * groupsPerRow,
    uniforms: CHUNKED_UNIFORMS.map((name) => [name, values[name]]),
    components: chunkedComponents(variant),
  });
}
