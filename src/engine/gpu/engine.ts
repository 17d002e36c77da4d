/**
 * The GPU engine the pages use: picks a backend (backend.ts), runs the fused selective scan and the
 * whole block on it, and reads each result back once with `await data()`. Uploaded weights are kept
 * per weights object, so moving a slider re-runs the block without re-uploading anything.
 * tfjs has one active backend per page, so a page creates one engine.
 */
import * as tf from "@tensorflow/tfjs-core";
import { check, EngineError } from "../errors.js";
import { checkScanInputs } from "../selective-scan.js";
import type { MambaBlockWeights, Numbers, ScanOverrides, SelectiveScanInputs, SelectiveScanOutputs } from "../types.js";
import { BACKEND_LABELS, chooseBackend, requestedBackend, type BackendName } from "./backend.js";
import { recoverFromLoss, watchGpu, type GpuWatch } from "./device-loss.js";
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
  /** The backend in use; it changes only if the GPU is lost (device-loss.ts). */
  readonly backend: BackendName;
  /** Why this backend, in words (shown in the header badge's tooltip). */
  readonly reason: string;
  /** After a lost GPU, one line for readers ("WebGL2 context lost: the live block now runs on CPU"). */
  readonly lossNote: string | undefined;
  /** Calls `listener` each time the engine moves to another backend instance after a loss; returns an unsubscribe. */
  onBackendChange(listener: (engine: GpuEngine) => void): () => void;
  /** The selective scan of `inputs` (golden layout), with optional overrides (shapes of types.ts ScanOverrides). */
  scan(inputs: SelectiveScanInputs, overrides?: ScanOverrides): Promise<SelectiveScanOutputs>;
  /** One block on `input` (batch, length, dModel), like the reference mambaBlockForward. */
  blockForward(weights: MambaBlockWeights, input: Numbers, batch: number, length: number, options?: GpuBlockOptions): Promise<GpuBlockResult>;
  /** Frees every uploaded weight tensor. */
  dispose(): void;
}

/**
 * Chooses and checks a backend, then returns the engine bound to it. If the GPU is lost, the engine
 * recovers (device-loss.ts), drops its uploads, tells its listeners, and a call in flight runs again.
 */
export async function createGpuEngine(options: GpuEngineOptions = {}): Promise<GpuEngine> {
  const requested = options.backend === undefined ? undefined : parseBackendOption(options.backend);
  let choice = await chooseBackend(requested);
  let watch = watchGpu(choice.backend);
  let lossNote: string | undefined;
  let recovering: Promise<void> | undefined;
  const listeners = new Set<(engine: GpuEngine) => void>();
  const uploaded = new Map<MambaBlockWeights, BlockTensors>();
  const blockFor = (weights: MambaBlockWeights) => {
    let block = uploaded.get(weights);
    if (!block) {
      block = uploadBlock(weights);
      uploaded.set(weights, block);
    }
    return block;
  };
  const dropUploads = () => {
    uploaded.forEach((block) => {
      try {
        disposeBlock(block);
      } catch {
        // Tensors of a lost context cannot always be freed on it; tfjs forgets them all the same.
      }
    });
    uploaded.clear();
  };

  /** Moves to the backend recoverFromLoss picks (once per lost watch), then tells the listeners. */
  const recover = (lost: GpuWatch, what: string): Promise<void> => {
    if (lost !== watch) return recovering ?? Promise.resolve();
    recovering ??= (async () => {
      dropUploads();
      choice = await recoverFromLoss(lost, what);
      watch = watchGpu(choice.backend);
      follow(watch);
      lossNote = `${what}: the live block now runs on ${BACKEND_LABELS[choice.backend]}`;
      listeners.forEach((listener) => listener(engine));
    })().finally(() => (recovering = undefined));
    return recovering;
  };
  const follow = (current: GpuWatch) => void current.loss.then((what) => recover(current, what));
  follow(watch);

  /**
   * Runs `compute` on the current backend; if the GPU goes away meanwhile (a lost WebGL context can
   * make a readback wait forever, a lost WebGPU device rejects it), recovers and runs it once more.
   */
  const guarded = async <T>(compute: () => Promise<T>): Promise<T> => {
    if (recovering) await recovering;
    const current = watch;
    const lost = current.loss.then((what) => ({ lost: what }));
    const attempt = compute();
    attempt.catch(() => {}); // abandoned if the GPU goes away first; its failure is expected then
    try {
      const result = await Promise.race([attempt.then((value) => ({ value })), lost]);
      if ("value" in result && !current.lost()) return result.value;
    } catch (error) {
      if (error instanceof EngineError) throw error; // bad input, never a lost GPU
      const settled = await Promise.race([lost, delay(LOSS_GRACE_MS).then(() => undefined)]);
      if (!settled && !current.lost()) throw error;
    }
    await recover(current, await Promise.race([current.loss, delay(LOSS_GRACE_MS).then(() => `${BACKEND_LABELS[current.backend]} lost`)]));
    return compute();
  };

  const engine: GpuEngine = {
    get backend() {
      return choice.backend;
    },
    get reason() {
      return choice.reason;
    },
    get lossNote() {
      return lossNote;
    },
    onBackendChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    scan: (inputs, overrides) => guarded(() => scanOnGpu(inputs, overrides)),
    blockForward: (weights, input, batch, length, blockOptions) => guarded(() => blockOnGpu(blockFor(weights), weights, input, batch, length, blockOptions)),
    dispose: dropUploads,
  };
  return engine;
}

/** How long a failed call waits for the loss event (slow on a busy software GPU) before treating the failure as a plain error. */
const LOSS_GRACE_MS = 2000;

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** One block forward on uploaded weights, read back once. */
async function blockOnGpu(block: BlockTensors, weights: MambaBlockWeights, input: Numbers, batch: number, length: number, blockOptions?: GpuBlockOptions): Promise<GpuBlockResult> {
  const { dModel } = weights.dims;
  check(input.length === batch * length * dModel, `block input has ${input.length} values, expected ${batch * length * dModel} (batch × length × dModel)`);
  const names = ["output", "yGated", "finalState", "delta", "B", "C"] as const;
  const sizes: number[] = [];
  const packed = tf.tidy(() => {
    const result = blockForwardTensors(block, tf.tensor3d(Float32Array.from(input), [batch, length, dModel]), blockOptions);
    names.forEach((name) => sizes.push(result[name].size));
    return tf.concat(names.map((name) => tf.reshape(result[name], [-1])));
  });
  const values = await readOnce(packed);
  let offset = 0;
  const out = {} as GpuBlockResult;
  names.forEach((name, i) => {
    out[name] = values.slice(offset, offset + sizes[i]);
    offset += sizes[i];
  });
  return out;
}

/** What `__mambaEngineStats()` returns: the active tfjs backend and its live tensors. */
export interface EngineStats {
  backend: string;
  numTensors: number;
  numBytes: number;
}

/** The active tfjs backend and tf.memory()'s counts, read-only. */
export function engineStats(): EngineStats {
  const { numTensors, numBytes } = tf.memory();
  return { backend: tf.getBackend(), numTensors, numBytes };
}

// A read-only diagnostic for soak tests and curious readers (docs/reliability.md): tfjs lives inside
// the page's bundles, so this is the only way to see whether tensors leak while sliders move.
(globalThis as { __mambaEngineStats?: () => EngineStats }).__mambaEngineStats ??= engineStats;

/** Reads `packed` back and frees it, also when the readback fails (a lost GPU must not leak it). */
async function readOnce(packed: tf.Tensor): Promise<Float32Array> {
  try {
    return (await packed.data()) as Float32Array;
  } finally {
    packed.dispose();
  }
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
  const values = await readOnce(packed);
  const parts = unpackScanArrays(values, packedOffsets(sizes, true));
  return { out: parts.out.slice(), yNoSkipNoGate: parts.raw!.slice(), finalState: parts.finalState.slice() };
}
