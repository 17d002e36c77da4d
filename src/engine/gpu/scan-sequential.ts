/**
 * The sequential WGSL selective scan, the engine's kernel for software adapters such as SwiftShader
 * (fused-scan.ts picks it there; GPUs get scan-chunked.ts): they run invocations on a few CPU cores,
 * where every barrier is a costly context switch, so one invocation walks all of time for a channel,
 * keeping up to SEQUENTIAL_TILING.states states in registers; larger N is shared by several lanes that
 * sum their parts of y in workgroup memory. The state never leaves the chip; only out (and the final
 * state) is written, in one dispatch. Every size, stride and switch is a uniform, so new sizes reuse
 * the compiled pipeline.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { ScanLayoutName, ScanSizes } from "./layout.js";
import type { BRule } from "../types.js";
import { commonScanUniforms, runScanProgram, unrolled, WRITE_TOKEN_WGSL, ZOH_SCALE_WGSL, type ScanTensors } from "./wgsl.js";

/**
 * The kernel's compile-time shape: invocations per workgroup; tokens loaded at once; states per lane.
 * The loops over a chunk's tokens and a lane's states are unrolled.
 */
export interface SequentialTiling {
  chunk: number;
  workgroup: number;
  states: number;
}

export const SEQUENTIAL_TILING: SequentialTiling = { chunk: 16, workgroup: 128, states: 16 };
/** The largest state size the kernel holds: every lane of a workgroup on one channel. */
export const SEQUENTIAL_MAX_STATE = SEQUENTIAL_TILING.workgroup * SEQUENTIAL_TILING.states;

/** Invocations per channel, the fewest (a power of two) whose registers hold the N states. */
export function lanesPerChannel(state: number, statesPerLane = SEQUENTIAL_TILING.states): number {
  return 2 ** Math.ceil(Math.log2(Math.ceil(state / statesPerLane)));
}

const UNIFORMS = [
  "batch", "channels", "length", "state", "lanes", "statesPerLane", "channelsPerGroup", "groupsPerRow", "rule", "hasZ", "keepRaw",
  "xBatch", "xChannel", "xTime", "bcBatch", "bcState", "bcTime", "finalStateOffset", "rawOffset",
] as const;

/** WGSL both kernels share: B̄'s scale and the write of one token's outputs. */
const SHARED_WGSL = /* wgsl */ `
// B̄/B: Δ (rule 0, Mamba) or ZOH's Δ·(e^z − 1)/z with z = ΔA (rule 1).
fn inputScale(dt : f32, z : f32) -> f32 {
  if (uniforms.rule == 0) { return dt; }
  return zohScale(dt, z, exp(z), dt / z);
}
${ZOH_SCALE_WGSL}
${WRITE_TOKEN_WGSL}`;

/**
 * The sequential kernel. Loops over a chunk's tokens and over a lane's states are written out (not
 * looped) so that loads are all in flight at once and values stay in registers. Tokens past the end
 * get Δ = 0, which leaves h unchanged, so the steps need no branch. Work split: a workgroup holds
 * WORKGROUP/lanes neighbouring channels of one batch row.
 */
function sequentialScanShader({ chunk, workgroup, states }: SequentialTiling): string {
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

/** Runs the kernel; returns the packed float32 buffer of layout.ts as a new 1-D tensor. */
export function sequentialScanWebGPU(
  backend: WebGPUBackend,
  tensors: ScanTensors,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
  tiling: SequentialTiling = SEQUENTIAL_TILING,
): tf.TensorInfo {
  const lanes = lanesPerChannel(sizes.state, tiling.states);
  const perGroup = tiling.workgroup / lanes;
  const groupsPerRow = Math.ceil(sizes.channels / perGroup);
  const common = commonScanUniforms(sizes, layout, keepRaw, tensors.z !== undefined);
  const values: Record<(typeof UNIFORMS)[number], number> = {
    ...common,
    lanes,
    statesPerLane: Math.ceil(sizes.state / lanes),
    channelsPerGroup: perGroup,
    groupsPerRow,
    rule: rule === "mamba" ? 0 : 1,
  };
  return runScanProgram(backend, tensors, {
    shaderKey: `mambaSequentialSelectiveScan_${tiling.chunk}x${tiling.workgroup}x${tiling.states}`,
    code: sequentialScanShader(tiling),
    outputSize: common.outputSize,
    workgroup: tiling.workgroup,
    workgroups: sizes.batch * groupsPerRow,
    uniforms: UNIFORMS.map((name) => [name, values[name]]),
  });
}
