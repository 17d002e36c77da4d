/**
 * The GPU engine the pages use: picks a backend (backend.ts), runs the fused selective scan and the
 * whole block on it, and reads each result back once with `await data()`. Uploaded weights are kept
 * per weights object, so moving a slider re-runs the block without re-uploading anything.
 * tfjs has one active backend per page, so a page creates one engine.
 */
import * as tf from "@tensorflow/tfjs-core";
import { check } from "../errors.js";
import { checkScanInputs } from "../selective-scan.js";
import type { MambaBlockWeights, Numbers, ScanOverrides, SelectiveScanInputs, SelectiveScanOutputs } from "../types.js";
import { chooseBackend, requestedBackend, type BackendName } from "./backend.js";
import { blockForwardTensors, disposeBlock, uploadBlock, type BlockTensors, type GpuBlockOptions } from "./block-forward.js";
import { fusedScan, unpackScanArrays } from "./fused-scan.js";
import { packedOffsets, sizesOf } from "./layout.js";
import { perturb } from "./perturb.js";

export interface GpuEngineOptions {
  /** A backend name, or a query string such as `location.search` holding `?backend=...`; default: the best available. */
  backend?: BackendName | string;
}

/** A block forward's results in host memory; shapes as in block-forward.ts BlockOutputTensors. */
export interface GpuBlockResult {
  output: Float32Array;
  yGated: Float32Array;
  finalState: Float32Array;
  delta: Float32Array;
  B: Float32Array;
  C: Float32Array;
}

export interface GpuEngine {
  readonly backend: BackendName;
  /** Why this backend, in words (shown in the header badge's tooltip). */
  readonly reason: string;
  /** The selective scan of `inputs` (golden layout), with optional overrides (shapes of types.ts ScanOverrides). */
  scan(inputs: SelectiveScanInputs, overrides?: ScanOverrides): Promise<SelectiveScanOutputs>;
  /** One block on `input` (batch, length, dModel), like the reference mambaBlockForward. */
  blockForward(weights: MambaBlockWeights, input: Numbers, batch: number, length: number, options?: GpuBlockOptions): Promise<GpuBlockResult>;
  /** Frees every uploaded weight tensor. */
  dispose(): void;
}

/** Chooses and checks a backend, then returns the engine bound to it. */
export async function createGpuEngine(options: GpuEngineOptions = {}): Promise<GpuEngine> {
  const requested = options.backend === undefined ? undefined : parseBackendOption(options.backend);
  const { backend, reason } = await chooseBackend(requested);
  const uploaded = new Map<MambaBlockWeights, BlockTensors>();
  const blockFor = (weights: MambaBlockWeights) => {
    let block = uploaded.get(weights);
    if (!block) {
      block = uploadBlock(weights);
      uploaded.set(weights, block);
    }
    return block;
  };
  return {
    backend,
    reason,
    scan: (inputs, overrides) => scanOnGpu(inputs, overrides),
    async blockForward(weights, input, batch, length, blockOptions) {
      const { dModel } = weights.dims;
      check(input.length === batch * length * dModel, `block input has ${input.length} values, expected ${batch * length * dModel} (batch × length × dModel)`);
      const block = blockFor(weights);
      const names = ["output", "yGated", "finalState", "delta", "B", "C"] as const;
      const sizes: number[] = [];
      const packed = tf.tidy(() => {
        const result = blockForwardTensors(block, tf.tensor3d(Float32Array.from(input), [batch, length, dModel]), blockOptions);
        names.forEach((name) => sizes.push(result[name].size));
        return tf.concat(names.map((name) => tf.reshape(result[name], [-1])));
      });
      const values = (await packed.data()) as Float32Array;
      packed.dispose();
      let offset = 0;
      const out = {} as GpuBlockResult;
      names.forEach((name, i) => {
        out[name] = values.slice(offset, offset + sizes[i]);
        offset += sizes[i];
      });
      return out;
    },
    dispose() {
      uploaded.forEach(disposeBlock);
      uploaded.clear();
    },
  };
}

/** "webgl", "?backend=webgl" or "backend=webgl" → "webgl"; anything else falls back to the automatic choice. */
function parseBackendOption(option: string): BackendName | undefined {
  return requestedBackend(option.includes("=") ? option : `backend=${option}`);
}

/** Uploads a scan case (golden layout), applies the overrides on the GPU, scans, reads back once. */
async function scanOnGpu(inputs: SelectiveScanInputs, overrides: ScanOverrides = {}): Promise<SelectiveScanOutputs> {
  checkScanInputs(inputs);
  const sizes = sizesOf(inputs);
  const { batch, channels, length, state } = sizes;
  const packed = tf.tidy(() => {
    const tensor = (values: Numbers, shape: number[]) => tf.tensor(Float32Array.from(values), shape);
    // Overrides are given (length, channels) and (length, state); the golden layout puts length last.
    const delta = perturb(tensor(inputs.delta, [batch, channels, length]), overrides.delta, [length, channels], "delta", [1, 0]);
    const A = perturb(tensor(inputs.A, [channels, state]), overrides.A, [channels, state], "A");
    const B = perturb(tensor(inputs.B, [batch, state, length]), overrides.B, [length, state], "B", [1, 0]);
    const C = perturb(tensor(inputs.C, [batch, state, length]), overrides.C, [length, state], "C", [1, 0]);
    const u = tensor(inputs.u, [batch, channels, length]);
    const D = inputs.D ? tensor(inputs.D, [channels]) : undefined;
    const z = inputs.z ? tensor(inputs.z, [batch, channels, length]) : undefined;
    return fusedScan({ u, delta, A, B, C, D, z }, sizes, "channels-first", inputs.rule, true);
  });
  const values = (await packed.data()) as Float32Array;
  packed.dispose();
  const parts = unpackScanArrays(values, packedOffsets(sizes, true));
  return { out: parts.out.slice(), yNoSkipNoGate: parts.raw!.slice(), finalState: parts.finalState.slice() };
}
