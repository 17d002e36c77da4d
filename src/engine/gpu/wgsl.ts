/** What the fused-scan kernels share (scan-chunked.ts, scan-sequential.ts): WGSL pieces and how a kernel runs on tfjs. */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { packedOffsets, scanStrides, type ScanLayoutName, type ScanSizes } from "./layout.js";

/** `line(i)` for i = 0 … count − 1, one per line: the unrolled body of a loop. */
export const unrolled = (count: number, line: (i: number) => string) => Array.from({ length: count }, (_, i) => line(i)).join("\n");

/** out_t = (y_t + D u_t)·SiLU(z_t), and y_t itself when asked; reads uniforms hasZ, keepRaw, rawOffset. */
export const WRITE_TOKEN_WGSL = /* wgsl */ `
fn writeToken(at : i32, y : f32, skip : f32, x : f32, gate : f32) {
  var gated = y + skip * x;
  if (uniforms.hasZ == 1) { gated = gated * gate / (1.0 + exp(-gate)); }
  result[at] = gated;
  if (uniforms.keepRaw == 1) { result[uniforms.rawOffset + at] = y; }
}
`;

/**
 * ZOH's B̄/B = Δ·(e^z − 1)/z for z = ΔA: by its series where |z| < 0.5 (e^z − 1 cancels there; the
 * series' error is below 1e-8 there), else from the decay e^z the kernel has already computed, and 1/A.
 */
export const ZOH_SCALE_WGSL = /* wgsl */ `
fn zohScale(dt : f32, z : f32, decay : f32, inverseA : f32) -> f32 {
  if (abs(z) < 0.5) {
    return dt * (1.0 + z * (1.0 / 2.0 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z * (1.0 / 120.0 + z * (1.0 / 720.0 + z * (1.0 / 5040.0 + z / 40320.0)))))));
  }
  return (decay - 1.0) * inverseA;
}
`;

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

/** What a scan kernel needs besides its tensors; uniforms are i32, in declaration order. */
export interface ScanProgram {
  shaderKey: string;
  code: string;
  outputSize: number;
  workgroup: number;
  workgroups: number;
  uniforms: [string, number][];
  /** Components of each binding (u, delta, A, B, C, D, z): 4 for vec4 reads; default all 1. */
  components?: number[];
}

/** The uniforms every scan kernel reads: sizes, the layout's strides, the switches, where the outputs go. */
export function commonScanUniforms(sizes: ScanSizes, layout: ScanLayoutName, keepRaw: boolean, hasZ: boolean) {
  const offsets = packedOffsets(sizes, keepRaw);
  return {
    ...sizes,
    hasZ: hasZ ? 1 : 0,
    keepRaw: keepRaw ? 1 : 0,
    ...scanStrides(layout, sizes),
    finalStateOffset: offsets.finalState,
    rawOffset: offsets.raw,
    outputSize: offsets.total,
  };
}

/** WebGPU's guaranteed limit on workgroups along one dispatch dimension. */
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/**
 * Runs a scan kernel on tfjs's WebGPU backend; returns its flat float32 output. All inputs are passed
 * as (size, 1) tensors so that tfjs's shader key (which looks at ranks and broadcasting) never
 * changes, and the dispatch is two-dimensional past 65535 workgroups (the kernels index workgroups flat).
 */
export function runScanProgram(backend: WebGPUBackend, tensors: ScanTensors, p: ScanProgram): tf.TensorInfo {
  const program = {
    variableNames: ["u", "delta", "A", "B", "C", "D", "Z"],
    variableComponents: p.components,
    outputShape: [p.outputSize],
    shaderKey: p.shaderKey,
    dispatchLayout: { x: [0] },
    dispatch: [Math.min(p.workgroups, MAX_WORKGROUPS_PER_DIMENSION), Math.ceil(p.workgroups / MAX_WORKGROUPS_PER_DIMENSION), 1] as [number, number, number],
    workgroupSize: [p.workgroup, 1, 1] as [number, number, number],
    uniforms: p.uniforms.map(([name]) => `${name} : i32,`).join(" "),
    getUserCode: () => p.code,
  };
  const { u, delta, A, B, C, D } = tensors;
  const inputs = [u, delta, A, B, C, D, tensors.z ?? u].map((t) => ({ dataId: t.dataId, dtype: t.dtype, shape: [t.size, 1] }));
  return backend.runWebGPUProgram(program, inputs, "float32", p.uniforms.map(([, value]) => ({ type: "int32" as const, data: [value] })));
}
