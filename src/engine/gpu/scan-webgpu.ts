/**
 * The fused selective scan as one WGSL compute kernel for tfjs's WebGPU backend, written the way the
 * official CUDA kernel is: the state never leaves the chip, only out (and the final state) is
 * written. Work split:
 *   - one invocation per (batch, channel, state lane); a lane owns states n = lane + k·lanes, k < 4;
 *   - a workgroup of 128 invocations holds 128/lanes channels of one batch row;
 *   - time runs sequentially in chunks of CHUNK tokens: each invocation prefetches the chunk's Δ, u,
 *     B, C into registers, advances its states, and leaves C_t·h_t per token in workgroup memory;
 *     after a barrier the lanes of a channel sum over state for CHUNK tokens at once and write
 *     out_t = (y_t + D u_t)·SiLU(z_t).
 * Every size, stride and switch is a uniform, so new sizes reuse the compiled pipeline. All inputs
 * are passed as (size, 1) tensors so that tfjs's shader key (which looks at ranks and broadcasting)
 * never changes either.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { packedOffsets, scanStrides, type ScanLayoutName, type ScanSizes } from "./layout.js";
import type { BRule } from "../types.js";

const WORKGROUP = 128;
/** Tokens per barrier; every token of a chunk gets its own registers (the loop is unrolled). */
export const WEBGPU_CHUNK = 16;
const MAX_STATES_PER_LANE = 4;
/** The largest state size one workgroup can hold. */
export const WEBGPU_MAX_STATE = WORKGROUP * MAX_STATES_PER_LANE;

/** Invocations per channel: the state size rounded up to a power of two, at most a workgroup. */
export function lanesPerChannel(state: number): number {
  let lanes = 1;
  while (lanes < state && lanes < WORKGROUP) lanes *= 2;
  return lanes;
}

const UNIFORMS = [
  "batch", "channels", "length", "state", "lanes", "statesPerLane", "groupsPerRow", "rule", "hasZ", "keepRaw",
  "xBatch", "xChannel", "xTime", "bcBatch", "bcState", "bcTime", "finalStateOffset", "rawOffset",
] as const;

/** `line(i)` for i = 0 … chunk − 1, one per line: the unrolled body of a loop over a chunk's tokens. */
const unrolled = (chunk: number, line: (i: number) => string) => Array.from({ length: chunk }, (_, i) => line(i)).join("\n");

/**
 * The kernel for `chunk` tokens per barrier. The chunk's loads are written out one by one (not in a
 * loop) so that all of them are in flight at once: a loop that stores each load into an array waits
 * for every load in turn, which made an earlier version 10× slower on an H100. Tokens past the end
 * get Δ = 0, which leaves h unchanged, so the steps need no branch.
 * Workgroup memory holds C_t·h_t per (token, invocation), rotated by the token index so that both
 * the writes and the reads of a warp fall in different memory banks.
 */
export function fusedScanShader(chunk: number): string {
  return /* wgsl */ `
const WORKGROUP = ${WORKGROUP};
const CHUNK = ${chunk};
const MAX_STATES_PER_LANE = ${MAX_STATES_PER_LANE};
var<workgroup> partialY : array<f32, ${chunk * WORKGROUP}>;

fn partialIndex(token : i32, invocation : i32) -> i32 {
  return token * WORKGROUP + ((invocation + token) % WORKGROUP);
}

// B̄/B: Δ (rule 0, Mamba) or Δ·(e^z − 1)/z with z = ΔA (rule 1, ZOH); a series near 0, where e^z − 1 cancels.
fn inputScale(dt : f32, z : f32) -> f32 {
  if (uniforms.rule == 0) { return dt; }
  if (abs(z) < 0.1) { return dt * (1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z / 120.0)))); }
  return dt * (exp(z) - 1.0) / z;
}

fn main(index : i32) {
  let lanes = uniforms.lanes;
  let invocation = i32(localIndex);
  let lane = invocation % lanes;
  let slot = invocation / lanes;
  let workgroupIndex = index / WORKGROUP;
  let b = workgroupIndex / uniforms.groupsPerRow;
  let c = (workgroupIndex % uniforms.groupsPerRow) * (WORKGROUP / lanes) + slot;
  let inRange = b < uniforms.batch && c < uniforms.channels;
  let L = uniforms.length;
  let N = uniforms.state;
  let xRow = b * uniforms.xBatch + c * uniforms.xChannel;
  let bcRow = b * uniforms.bcBatch;

  var h : array<f32, MAX_STATES_PER_LANE>;
  var a : array<f32, MAX_STATES_PER_LANE>;
  for (var k = 0; k < MAX_STATES_PER_LANE; k++) {
    h[k] = 0.0;
    a[k] = 0.0;
    let n = lane + k * lanes;
    if (inRange && n < N) { a[k] = A[c * N + n]; }
  }

  for (var t0 = 0; t0 < L; t0 += CHUNK) {
    ${unrolled(chunk, (i) => `var y${i} = 0.0;`)}
    if (inRange) {
      for (var k = 0; k < uniforms.statesPerLane; k++) {
        let n = lane + k * lanes;
        if (n < N) {
          let bcBase = bcRow + n * uniforms.bcState;
          ${unrolled(chunk, (i) => `let t${i} = min(t0 + ${i}, L - 1);
          let x${i} = u[xRow + t${i} * uniforms.xTime];
          let dt${i} = select(0.0, delta[xRow + t${i} * uniforms.xTime], t0 + ${i} < L);
          let b${i} = B[bcBase + t${i} * uniforms.bcTime];
          let c${i} = C[bcBase + t${i} * uniforms.bcTime];`)}
          let ak = a[k];
          var hk = h[k];
          ${unrolled(chunk, (i) => `hk = exp(dt${i} * ak) * hk + inputScale(dt${i}, dt${i} * ak) * b${i} * x${i};
          y${i} += c${i} * hk;`)}
          h[k] = hk;
        }
      }
      ${unrolled(chunk, (i) => `partialY[partialIndex(${i}, invocation)] = y${i};`)}
    }
    workgroupBarrier();
    if (inRange) {
      let steps = min(CHUNK, L - t0);
      for (var i = lane; i < steps; i += lanes) {
        var y = 0.0;
        for (var l = 0; l < lanes; l++) { y += partialY[partialIndex(i, slot * lanes + l)]; }
        let at = xRow + (t0 + i) * uniforms.xTime;
        var gated = y + D[c] * u[at];
        if (uniforms.hasZ == 1) {
          let gate = Z[at];
          gated = gated * gate / (1.0 + exp(-gate));
        }
        result[at] = gated;
        if (uniforms.keepRaw == 1) { result[uniforms.rawOffset + at] = y; }
      }
    }
    workgroupBarrier();
  }

  if (inRange) {
    for (var k = 0; k < uniforms.statesPerLane; k++) {
      let n = lane + k * lanes;
      if (n < N) { result[uniforms.finalStateOffset + (b * uniforms.channels + c) * N + n] = h[k]; }
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

/** Runs the kernel; returns the packed float32 buffer of layout.ts as a new 1-D tensor. */
export function scanWebGPU(
  backend: WebGPUBackend,
  tensors: ScanTensors,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
  chunk = WEBGPU_CHUNK,
): tf.TensorInfo {
  const { batch, channels, state } = sizes;
  const lanes = lanesPerChannel(state);
  const groupsPerRow = Math.ceil(channels / (WORKGROUP / lanes));
  const offsets = packedOffsets(sizes, keepRaw);
  const strides = scanStrides(layout, sizes);
  const values: Record<(typeof UNIFORMS)[number], number> = {
    ...sizes,
    lanes,
    statesPerLane: Math.ceil(state / lanes),
    groupsPerRow,
    rule: rule === "mamba" ? 0 : 1,
    hasZ: tensors.z ? 1 : 0,
    keepRaw: keepRaw ? 1 : 0,
    xBatch: strides.xBatch,
    xChannel: strides.xChannel,
    xTime: strides.xTime,
    bcBatch: strides.bcBatch,
    bcState: strides.bcState,
    bcTime: strides.bcTime,
    finalStateOffset: offsets.finalState,
    rawOffset: offsets.raw,
  };
  const program = {
    variableNames: ["u", "delta", "A", "B", "C", "D", "Z"],
    outputShape: [offsets.total],
    shaderKey: `mambaFusedSelectiveScan${chunk}`,
    dispatchLayout: { x: [0] },
    dispatch: [batch * groupsPerRow, 1, 1] as [number, number, number],
    workgroupSize: [WORKGROUP, 1, 1] as [number, number, number],
    uniforms: UNIFORMS.map((name) => `${name} : i32,`).join(" "),
    getUserCode: () => fusedScanShader(chunk),
  };
  const { u, delta, A, B, C, D } = tensors;
  const inputs = [u, delta, A, B, C, D, tensors.z ?? u].map((t) => ({ dataId: t.dataId, dtype: t.dtype, shape: [t.size, 1] }));
  const uniformData = UNIFORMS.map((name) => ({ type: "int32" as const, data: [values[name]] }));
  return backend.runWebGPUProgram(program, inputs, "float32", uniformData);
}
