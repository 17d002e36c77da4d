/**
 * The fused selective scan as WGSL compute kernels for tfjs's WebGPU backend, written the way the
 * official CUDA kernel is: the state never leaves the chip, only out (and the final state) is
 * written, in one dispatch. Two kernels, for two kinds of device:
 *   - "parallel" (GPUs): a workgroup per G neighbouring channels of a batch row, each channel's time
 *     split over its invocations and joined by a scan in workgroup memory, as the CUDA kernel does.
 *     Hundreds of thousands of invocations keep a GPU's memory system busy.
 *   - "sequential" (software adapters such as SwiftShader, which run invocations on a few CPU cores
 *     where every barrier is a costly context switch): one invocation walks time for a channel,
 *     keeping up to WEBGPU_TILINGS.sequential.states states in registers; larger N is shared by
 *     several lanes that sum their parts of y in workgroup memory.
 * Every size, stride and switch is a uniform, so new sizes reuse the compiled pipeline. All inputs
 * are passed as (size, 1) tensors so that tfjs's shader key (which looks at ranks and broadcasting)
 * never changes either.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { packedOffsets, scanStrides, type ScanLayoutName, type ScanSizes } from "./layout.js";
import type { BRule } from "../types.js";
import { unrolled, WRITE_TOKEN_WGSL } from "./wgsl.js";

export type WebGPUScanKernel = "parallel" | "sequential";

/**
 * A kernel's compile-time shape: invocations per workgroup; tokens per invocation and chunk
 * (parallel: consecutive tokens each invocation owns; sequential: tokens loaded at once); states an
 * invocation holds at once (parallel: per pass of barriers; sequential: per lane). The loops over a
 * chunk's tokens and a pass's states are unrolled.
 */
export interface WebGPUScanTiling {
  chunk: number;
  workgroup: number;
  states: number;
}

export const WEBGPU_TILINGS: Record<WebGPUScanKernel, WebGPUScanTiling> = {
  parallel: { chunk: 8, workgroup: 128, states: 2 },
  sequential: { chunk: 16, workgroup: 128, states: 16 },
};
/** The parallel kernel carries the state between chunks in workgroup memory, 4 bytes per state. */
const PARALLEL_MAX_STATE = 1024;
/** The largest state size both kernels hold. */
export const WEBGPU_MAX_STATE = Math.min(PARALLEL_MAX_STATE, WEBGPU_TILINGS.sequential.workgroup * WEBGPU_TILINGS.sequential.states);
/** WebGPU's guaranteed limit on workgroups along one dispatch dimension. */
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Sequential kernel: invocations per channel, the fewest (a power of two) whose registers hold the N states. */
export function lanesPerChannel(state: number, statesPerLane = WEBGPU_TILINGS.sequential.states): number {
  return 2 ** Math.ceil(Math.log2(Math.ceil(state / statesPerLane)));
}

/** Parallel kernel: at most this many channels per workgroup, and at least this many workgroups (tuned on an H100, checked on an H200). */
const MAX_CHANNELS_PER_GROUP = 16;
const ENOUGH_WORKGROUPS = 384;

/**
 * Parallel kernel: channels per workgroup, the largest power of two up to MAX_CHANNELS_PER_GROUP that
 * leaves ENOUGH_WORKGROUPS to fill the GPU and whose carried states fit in workgroup memory.
 */
export function channelsPerGroup({ batch, channels, state }: ScanSizes, workgroup = WEBGPU_TILINGS.parallel.workgroup): number {
  let perGroup = 1;
  const fits = (g: number) => g <= Math.min(MAX_CHANNELS_PER_GROUP, workgroup) && g * state <= PARALLEL_MAX_STATE;
  while (fits(perGroup * 2) && batch * Math.ceil(channels / (perGroup * 2)) >= ENOUGH_WORKGROUPS) perGroup *= 2;
  return perGroup;
}

const UNIFORMS = [
  "batch", "channels", "length", "state", "lanes", "statesPerLane", "channelsPerGroup", "groupsPerRow", "rule", "hasZ", "keepRaw",
  "xBatch", "xChannel", "xTime", "bcBatch", "bcState", "bcTime", "finalStateOffset", "rawOffset",
] as const;

/** WGSL both kernels share: B̄'s scale and the write of one token's outputs. */
const SHARED_WGSL = /* wgsl */ `
// B̄/B: Δ (rule 0, Mamba) or Δ·(e^z − 1)/z with z = ΔA (rule 1, ZOH); a series near 0, where e^z − 1 cancels.
fn inputScale(dt : f32, z : f32) -> f32 {
  if (uniforms.rule == 0) { return dt; }
  if (abs(z) < 0.1) { return dt * (1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z / 120.0)))); }
  return dt * (exp(z) - 1.0) / z;
}
${WRITE_TOKEN_WGSL}`;

/**
 * The sequential kernel. Loops over a chunk's tokens and over a lane's states are written out (not
 * looped) so that loads are all in flight at once and values stay in registers. Tokens past the end
 * get Δ = 0, which leaves h unchanged, so the steps need no branch. Work split: a workgroup holds
 * WORKGROUP/lanes neighbouring channels of one batch row.
 */
function sequentialScanShader({ chunk, workgroup, states }: WebGPUScanTiling): string {
  return /* wgsl */ `
const WORKGROUP = ${workgroup};
var<workgroup> partialY : array<f32, ${chunk * workgroup}>;

${SHARED_WGSL}
fn main(index : i32) {
  let lanes = uniforms.lanes;
  let perLane = uniforms.statesPerLane;
  let invocation = i32(localIndex);
  let lane = invocation % lanes;
  let slot = invocation / lanes;
  let workgroupIndex = index / WORKGROUP;
  let b = min(workgroupIndex / uniforms.groupsPerRow, uniforms.batch - 1);
  let channel = (workgroupIndex % uniforms.groupsPerRow) * (WORKGROUP / lanes) + slot;
  // Invocations past the last channel compute a copy of it (so every load is in bounds and every
  // barrier is reached) and write nothing.
  let inRange = channel < uniforms.channels && workgroupIndex / uniforms.groupsPerRow < uniforms.batch;
  let c = min(channel, uniforms.channels - 1);
  let L = uniforms.length;
  let N = uniforms.state;
  let xRow = b * uniforms.xBatch + c * uniforms.xChannel;
  let firstState = lane * perLane;
  let skip = D[c];
  ${unrolled(states, (k) => `let has${k} = ${k} < perLane && firstState + ${k} < N;
  let n${k} = min(firstState + ${k}, N - 1);
  let bc${k} = b * uniforms.bcBatch + n${k} * uniforms.bcState;
  let a${k} = A[c * N + n${k}];
  var h${k} = 0.0;`)}

  for (var chunkFirst = 0; chunkFirst < L; chunkFirst += ${chunk}) {
    ${unrolled(chunk, (i) => `let t${i} = min(chunkFirst + ${i}, L - 1);
    let at${i} = xRow + t${i} * uniforms.xTime;
    let x${i} = u[at${i}];
    let dt${i} = select(0.0, delta[at${i}], chunkFirst + ${i} < L);
    let z${i} = Z[at${i}];
    var y${i} = 0.0;`)}
    ${unrolled(states, (k) => `if (has${k}) {
      ${unrolled(chunk, (i) => `h${k} = exp(dt${i} * a${k}) * h${k} + inputScale(dt${i}, dt${i} * a${k}) * B[bc${k} + t${i} * uniforms.bcTime] * x${i};
      y${i} += C[bc${k} + t${i} * uniforms.bcTime] * h${k};`)}
    }`)}
    if (lanes == 1) {
      if (inRange) {
        ${unrolled(chunk, (i) => `if (chunkFirst + ${i} < L) { writeToken(at${i}, y${i}, skip, x${i}, z${i}); }`)}
      }
    } else {
      ${unrolled(chunk, (i) => `partialY[${i * workgroup} + invocation] = y${i};`)}
      workgroupBarrier();
      if (inRange) {
        ${unrolled(chunk, (i) => `if (${i} % lanes == lane && chunkFirst + ${i} < L) {
          var y = 0.0;
          for (var l = 0; l < lanes; l++) { y += partialY[${i * workgroup} + slot * lanes + l]; }
          writeToken(at${i}, y, skip, x${i}, z${i});
        }`)}
      }
      workgroupBarrier();
    }
  }

  if (inRange) {
    let finalRow = uniforms.finalStateOffset + (b * uniforms.channels + c) * N;
    ${unrolled(states, (k) => `if (has${k}) { result[finalRow + n${k}] = h${k}; }`)}
  }
}
`;
}

/**
 * The parallel kernel, the official CUDA kernel's design: a workgroup takes G neighbouring channels
 * of one batch row (G = uniforms.channelsPerGroup, a power of two); its WORKGROUP/G invocations per
 * channel split time into chunks, each invocation owning `chunk` consecutive tokens. For PASS states
 * at a time: every invocation folds its tokens into one affine step h ↦ P·h + S per state; a scan
 * over the channel's invocations (Hillis–Steele, in workgroup memory) composes the steps before it
 * with the state carried from the previous chunk; every invocation then replays its tokens from that
 * state, adding C_t·h_t to y_t. u, Δ, z are loaded once per chunk, B and C once per state. A pass's
 * states share the scan's barriers and its waits on memory: the kernel's time on a GPU is mostly
 * that chain of waits, once per pass (two states per pass: tuned on an H200).
 */
function parallelScanShader({ chunk: items, workgroup, states: pass }: WebGPUScanTiling): string {
  const perState = (line: (k: number) => string) => unrolled(pass, line);
  return /* wgsl */ `
const WORKGROUP = ${workgroup};
const PASS = ${pass};
// Steps of one pass, double-buffered: [buffer][state of the pass][invocation].
var<workgroup> stepP : array<f32, ${2 * pass * workgroup}>;
var<workgroup> stepS : array<f32, ${2 * pass * workgroup}>;
var<workgroup> carried : array<f32, ${PARALLEL_MAX_STATE}>;
${SHARED_WGSL}

fn main(index : i32) {
  let invocation = i32(localIndex);
  let G = uniforms.channelsPerGroup;
  let slots = WORKGROUP / G;
  let g = invocation % G;
  let slot = invocation / G;
  let workgroupIndex = index / WORKGROUP;
  let b = min(workgroupIndex / uniforms.groupsPerRow, uniforms.batch - 1);
  let channel = (workgroupIndex % uniforms.groupsPerRow) * G + g;
  // Invocations past the last channel compute a copy of it (so every load is in bounds and every
  // barrier is reached) and write nothing.
  let inRange = channel < uniforms.channels && workgroupIndex / uniforms.groupsPerRow < uniforms.batch;
  let c = min(channel, uniforms.channels - 1);
  let L = uniforms.length;
  let N = uniforms.state;
  let xRow = b * uniforms.xBatch + c * uniforms.xChannel;
  let skip = D[c];
  for (var i = invocation; i < G * N; i += WORKGROUP) { carried[i] = 0.0; }

  for (var chunkFirst = 0; chunkFirst < L; chunkFirst += slots * ${items}) {
    let first = chunkFirst + slot * ${items};
    ${unrolled(items, (i) => `let t${i} = min(first + ${i}, L - 1);
    let at${i} = xRow + t${i} * uniforms.xTime;
    let x${i} = u[at${i}];
    let dt${i} = select(0.0, delta[at${i}], first + ${i} < L);
    var y${i} = 0.0;`)}
    for (var n0 = 0; n0 < N; n0 += PASS) {
      // States past N (when PASS does not divide N) repeat the last one with C = 0 and are not kept.
      ${perState((k) => `let has${k} = n0 + ${k} < N;
      let n${k} = min(n0 + ${k}, N - 1);
      let a${k} = A[c * N + n${k}];
      let bc${k} = b * uniforms.bcBatch + n${k} * uniforms.bcState;
      ${unrolled(items, (i) => `let decay${k}_${i} = exp(dt${i} * a${k});
      let input${k}_${i} = inputScale(dt${i}, dt${i} * a${k}) * B[bc${k} + t${i} * uniforms.bcTime] * x${i};
      let readout${k}_${i} = select(0.0, C[bc${k} + t${i} * uniforms.bcTime], has${k});`)}`)}
      // This invocation's tokens as one step h ↦ P·h + S per state.
      ${perState((k) => `var P${k} = 1.0;
      var S${k} = 0.0;
      ${unrolled(items, (i) => `S${k} = decay${k}_${i} * S${k} + input${k}_${i};
      P${k} = P${k} * decay${k}_${i};`)}
      stepP[${k * workgroup} + invocation] = P${k};
      stepS[${k * workgroup} + invocation] = S${k};`)}
      workgroupBarrier();
      // Inclusive scan over the channel's slots: afterwards (P, S) maps the chunk's start state to
      // the end of this invocation's tokens.
      var read = 0;
      for (var offset = 1; offset < slots; offset *= 2) {
        if (slot >= offset) {
          let before = read + invocation - offset * G;
          ${perState((k) => `S${k} = P${k} * stepS[before + ${k * workgroup}] + S${k};
          P${k} = P${k} * stepP[before + ${k * workgroup}];`)}
        }
        read = ${pass * workgroup} - read;
        ${perState((k) => `stepP[read + ${k * workgroup} + invocation] = P${k};
        stepS[read + ${k * workgroup} + invocation] = S${k};`)}
        workgroupBarrier();
      }
      let before = read + invocation - G;
      ${perState((k) => `let chunkStart${k} = carried[g * N + n${k}];
      var h${k} = chunkStart${k};
      if (slot > 0) { h${k} = stepP[before + ${k * workgroup}] * chunkStart${k} + stepS[before + ${k * workgroup}]; }
      ${unrolled(items, (i) => `h${k} = decay${k}_${i} * h${k} + input${k}_${i};
      y${i} += readout${k}_${i} * h${k};`)}`)}
      workgroupBarrier();
      if (slot == slots - 1) {
        ${perState((k) => `if (has${k}) { carried[g * N + n${k}] = h${k}; }`)}
      }
    }
    if (inRange) {
      ${unrolled(items, (i) => `if (first + ${i} < L) { writeToken(at${i}, y${i}, skip, x${i}, Z[at${i}]); }`)}
    }
  }
  workgroupBarrier();
  let firstChannel = (workgroupIndex % uniforms.groupsPerRow) * G;
  for (var i = invocation; i < G * N; i += WORKGROUP) {
    let owner = firstChannel + i / N;
    if (owner < uniforms.channels && workgroupIndex / uniforms.groupsPerRow < uniforms.batch) {
      result[uniforms.finalStateOffset + (b * uniforms.channels + owner) * N + i % N] = carried[i];
    }
  }
}
`;
}

/** Tensors of one scan on the WebGPU backend; D is required here (zeros when the scan has none). */
export interface ScanTensors {
  u: tf.Tensor;
  delta: tf.Tensor;
  A: tf.Tensor;
  B: tf.Tensor;
  C: tf.Tensor;
  D: tf.Tensor;
  /** Omitted: no gate. Any tensor is bound in its place so the kernel's bindings stay the same. */
  z?: tf.Tensor;
}


/** Runs a kernel; returns the packed float32 buffer of layout.ts as a new 1-D tensor. */
export function scanWebGPU(
  backend: WebGPUBackend,
  tensors: ScanTensors,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
  kernel: WebGPUScanKernel,
  tiling = WEBGPU_TILINGS[kernel],
  parallelChannelsPerGroup = channelsPerGroup(sizes, tiling.workgroup),
): tf.TensorInfo {
  const { batch, channels, state } = sizes;
  const lanes = kernel === "sequential" ? lanesPerChannel(state, tiling.states) : 1;
  const perGroup = kernel === "sequential" ? tiling.workgroup / lanes : parallelChannelsPerGroup;
  const groupsPerRow = Math.ceil(channels / perGroup);
  const workgroups = batch * groupsPerRow;
  const offsets = packedOffsets(sizes, keepRaw);
  const strides = scanStrides(layout, sizes);
  const values: Record<(typeof UNIFORMS)[number], number> = {
    ...sizes,
    lanes,
    statesPerLane: Math.ceil(state / lanes),
    channelsPerGroup: perGroup,
    groupsPerRow,
    rule: rule === "mamba" ? 0 : 1,
    hasZ: tensors.z ? 1 : 0,
    keepRaw: keepRaw ? 1 : 0,
    ...strides,
    finalStateOffset: offsets.finalState,
    rawOffset: offsets.raw,
  };
  const program = {
    variableNames: ["u", "delta", "A", "B", "C", "D", "Z"],
    outputShape: [offsets.total],
    shaderKey: `mambaFusedSelectiveScan_${kernel}_${tiling.chunk}x${tiling.workgroup}x${tiling.states}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.min(workgroups, MAX_WORKGROUPS_PER_DIMENSION), Math.ceil(workgroups / MAX_WORKGROUPS_PER_DIMENSION), 1] as [number, number, number],
    workgroupSize: [tiling.workgroup, 1, 1] as [number, number, number],
    uniforms: UNIFORMS.map((name) => `${name} : i32,`).join(" "),
    getUserCode: () => (kernel === "sequential" ? sequentialScanShader(tiling) : parallelScanShader(tiling)),
  };
  const { u, delta, A, B, C, D } = tensors;
  const inputs = [u, delta, A, B, C, D, tensors.z ?? u].map((t) => ({ dataId: t.dataId, dtype: t.dtype, shape: [t.size, 1] }));
  const uniformData = UNIFORMS.map((name) => ({ type: "int32" as const, data: [values[name]] }));
  return backend.runWebGPUProgram(program, inputs, "float32", uniformData);
}
