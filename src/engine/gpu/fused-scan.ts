/**
 * The fused selective scan on whichever tfjs backend is active: the WGSL kernel on WebGPU, the
 * chunked three-pass shaders on WebGL2, the float32 loop on the CPU. Inputs and output stay tensors,
 * so the block can chain it between tfjs ops without leaving the GPU.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { MathBackendWebGL } from "@tensorflow/tfjs-backend-webgl";
import { check } from "../errors.js";
import type { BRule } from "../types.js";
import { packedOffsets, type PackedScanOffsets, type ScanLayoutName, type ScanSizes } from "./layout.js";
import { scanFloat32 } from "./scan-cpu.js";
import { scanWebGL } from "./scan-webgl.js";
import { chunkedScanWebGPU } from "./scan-chunked.js";
import { SEQUENTIAL_MAX_STATE, sequentialScanWebGPU } from "./scan-sequential.js";

/** The scan's inputs as tensors of any shape holding the elements in `layout` order; D and z optional. */
export interface ScanTensorInputs {
  u: tf.Tensor;
  delta: tf.Tensor;
  A: tf.Tensor;
  B: tf.Tensor;
  C: tf.Tensor;
  D?: tf.Tensor;
  z?: tf.Tensor;
}

/** The WGSL kernels: "chunked" (scan-chunked.ts) for GPUs, "sequential" (scan-sequential.ts) for software adapters. */
export type WebGPUKernelName = "chunked" | "sequential";

let forcedKernel: WebGPUKernelName | undefined;
let forcedSlots: number | undefined;

/**
 * Forces one WGSL kernel (tests check both on any adapter), and for "chunked" the chunks per channel;
 * undefined: chosen by adapter and sizes.
 */
export function forceWebGPUScanKernel(kernel: WebGPUKernelName | undefined, slots?: number): void {
  forcedKernel = kernel;
  forcedSlots = slots;
}

/**
 * The WGSL kernel for the active WebGPU backend: "sequential" on a software adapter (SwiftShader
 * runs invocations on a few CPU cores, where every barrier is a context switch), "chunked" on a GPU.
 */
export function webgpuScanKernel(): WebGPUKernelName {
  if (forcedKernel) return forcedKernel;
  return softwareAdapter() ? "sequential" : "chunked";
}

/** Whether the active WebGPU backend runs on a software adapter (SwiftShader, llvmpipe, lavapipe). */
export function softwareAdapter(): boolean {
  // tfjs keeps the adapter's vendor and architecture in fields its typings mark private.
  const { vendor, architecture } = ((tf.backend() as WebGPUBackend).adapterInfo ?? {}) as unknown as { vendor?: string; architecture?: string };
  return /swiftshader|llvmpipe|lavapipe|software/i.test(`${vendor} ${architecture}`);
}

/** Runs the scan; returns the packed buffer of layout.ts (out, final state, then y if keepRaw) as a new tensor. */
export function fusedScan(
  inputs: ScanTensorInputs,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
): tf.Tensor1D {
  // The kernels read float32 storage; an int32 tensor would make the WGSL fail to compile, silently.
  for (const [name, tensor] of Object.entries(inputs)) check(!tensor || tensor.dtype === "float32", `scan: ${name} is ${tensor?.dtype}, the kernels need float32`);
  const backendName = tf.getBackend();
  if (backendName === "cpu") return scanOnCpu(inputs, sizes, layout, rule, keepRaw);
  return tf.tidy(() => {
    const tensors = { ...inputs, D: inputs.D ?? tf.zeros([sizes.channels]) };
    if (backendName === "webgpu") {
      const backend = tf.backend() as WebGPUBackend;
      const kernel = webgpuScanKernel();
      check(kernel === "chunked" || sizes.state <= SEQUENTIAL_MAX_STATE, `scan: state size ${sizes.state} exceeds the sequential WebGPU kernel's maximum of ${SEQUENTIAL_MAX_STATE}`);
      const info =
        kernel === "chunked"
          ? chunkedScanWebGPU(backend, tensors, sizes, layout, rule, keepRaw, undefined, forcedSlots)
          : sequentialScanWebGPU(backend, tensors, sizes, layout, rule, keepRaw);
      return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor1D;
    }
    if (backendName === "webgl") return scanWebGL(tf.backend() as MathBackendWebGL, tensors, sizes, layout, rule, keepRaw);
    throw new Error(`fused scan: no kernel for the tfjs backend "${backendName}"`);
  });
}

/** The CPU backend's tensors live in host memory: read them synchronously and run the float32 loop. */
function scanOnCpu(inputs: ScanTensorInputs, sizes: ScanSizes, layout: ScanLayoutName, rule: BRule, keepRaw: boolean): tf.Tensor1D {
  const read = (t: tf.Tensor | undefined) => (t ? (t.dataSync() as Float32Array) : undefined);
  const buffers = {
    u: read(inputs.u)!,
    delta: read(inputs.delta)!,
    A: read(inputs.A)!,
    B: read(inputs.B)!,
    C: read(inputs.C)!,
    D: read(inputs.D),
    z: read(inputs.z),
  };
  return tf.tensor1d(scanFloat32(buffers, sizes, layout, rule, keepRaw));
}

/** The parts of a packed scan output as tensors: out (shaped `outShape`), final state (batch, channels, state). */
export function unpackScanTensors(packed: tf.Tensor1D, sizes: ScanSizes, outShape: number[]): { out: tf.Tensor; finalState: tf.Tensor3D } {
  const offsets = packedOffsets(sizes, false);
  const { batch, channels, state } = sizes;
  return {
    out: tf.reshape(tf.slice(packed, [offsets.out], [offsets.finalState]), outShape),
    finalState: tf.reshape(tf.slice(packed, [offsets.finalState], [batch * channels * state]), [batch, channels, state]),
  };
}

/** The parts of a packed scan output read back to the host. */
export function unpackScanArrays(packed: Float32Array, offsets: PackedScanOffsets): { out: Float32Array; finalState: Float32Array; raw?: Float32Array } {
  return {
    out: packed.subarray(offsets.out, offsets.finalState),
    finalState: packed.subarray(offsets.finalState, offsets.raw),
    raw: offsets.total > offsets.raw ? packed.subarray(offsets.raw, offsets.total) : undefined,
  };
}
