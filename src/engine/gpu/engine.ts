/**
 * The Engine (engine.ts) on a tfjs backend: picks and checks a backend (backend.ts), runs models, blocks
 * and the bare scan with every tensor on the GPU, and reads each result back once. Uploaded weights are
 * kept in a small least-recently-used cache (upload-cache.ts), so moving a slider re-runs without
 * re-uploading, and moving to other weights releases the oldest. tfjs has one active backend per page,
 * so a page creates one engine.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_LABELS, type BlockRun, type Engine, type LayerRun, type ModelRun } from "../engine.js";
import { check, EngineError } from "../errors.js";
import { checkScanInputs } from "../selective-scan.js";
import type { BRule, MambaBlockWeights, MambaModel, Numbers, ScanOverrides, SelectiveScanInputs, SelectiveScanOutputs } from "../types.js";
import { chooseBackend, type GpuBackendName } from "./backend.js";
import { blockForwardTensors, disposeBlock, gpuRule, uploadBlock, type BlockTensors } from "./block-forward.js";
import { gpuDecoder, tensorDecodeHost, type DecodeHost } from "./decoder.js";
import { fusedDecodeHost, uploadDecoder, type GpuDecoder as FusedDecoder } from "./decode-step.js";
import { recoverFromLoss, watchGpu, type GpuWatch } from "./device-loss.js";
import { fusedScan, unpackScanArrays } from "./fused-scan.js";
import { packedOffsets, sizesOf } from "./layout.js";
import { disposeModel, modelForwardTensors, uploadModel, type UploadedModel } from "./lm-forward.js";
import { perturb } from "./perturb.js";
import { UploadCache } from "./upload-cache.js";

/**
 * Chooses and checks a backend (`requested` first, else the best available; only among `candidates` when
 * given; without software renderers unless requested, with `hardwareOnly`), then returns the engine bound to it. If the GPU is lost, the engine recovers (device-loss.ts), drops its uploads, tells its listeners,
 * and a call in flight runs again.
 */
export async function createGpuEngine(requested?: GpuBackendName, candidates?: readonly GpuBackendName[], hardwareOnly = false): Promise<Engine> {
  let choice = await chooseBackend(requested, candidates, hardwareOnly);
  let watch = watchGpu(choice.backend);
  let lossNote: string | undefined;
  let recovering: Promise<void> | undefined;
  const listeners = new Set<() => void>();
  const models = new UploadCache<MambaModel, UploadedModel>(uploadModel, disposeModel);
  const blocks = new UploadCache<MambaBlockWeights, BlockTensors>(uploadBlock, disposeBlock);
  // WebGPU decodes with its own fused step (decode-step.ts: weights in plain GPU buffers, one command
  // buffer a token); other backends with tfjs ops on the uploaded model.
  const fusedDecoders = { mamba: fusedCache("mamba"), zoh: fusedCache("zoh") };
  const decodeHost = (model: MambaModel, rule: BRule): DecodeHost =>
    choice.backend === "webgpu" ? fusedDecodeHost(fusedDecoders[rule].get(model)) : tensorDecodeHost(models.get(model), rule);
  const dropUploads = () => {
    models.clear();
    blocks.clear();
    fusedDecoders.mamba.clear();
    fusedDecoders.zoh.clear();
  };

  /** Moves to the backend recoverFromLoss picks (once per lost watch), then tells the listeners. */
  const recover = (lost: GpuWatch, what: string): Promise<void> => {
    if (lost !== watch) return recovering ?? Promise.resolve();
    recovering ??= (async () => {
      dropUploads();
      choice = await recoverFromLoss(lost, what);
      watch = watchGpu(choice.backend);
      follow(watch);
      lossNote = `${what}: the live model now runs on ${BACKEND_LABELS[choice.backend]}`;
      listeners.forEach((listener) => listener());
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

  return {
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
    runModel: (model, ids, options) => guarded(() => readModelRun(modelForwardTensors(models.get(model), ids, options), options?.logitsOnly)),
    runBlock: (weights, input, batch, length, options) =>
      guarded(async () => {
        const { dModel } = weights.dims;
        check(input.length === batch * length * dModel, `block input has ${input.length} values, expected ${batch * length * dModel} (batch × length × dModel)`);
        const inputTensor = tf.tensor3d(Float32Array.from(input), [batch, length, dModel]);
        let tensors: ReturnType<typeof blockForwardTensors>;
        try {
          tensors = blockForwardTensors(blocks.get(weights), inputTensor, options);
        } finally {
          inputTensor.dispose();
        }
        return { batch, length, ...(await readBack(tensors)) } as BlockRun;
      }),
    scan: (inputs, overrides) => guarded(() => scanOnGpu(inputs, overrides)),
    decoder: (model, options = {}) => {
      const rule = gpuRule(options.rule);
      return gpuDecoder(() => decodeHost(model, rule), guarded);
    },
    release(weights) {
      if ("layers" in weights) {
        models.delete(weights);
        fusedDecoders.mamba.delete(weights);
        fusedDecoders.zoh.delete(weights);
      } else blocks.delete(weights);
    },
    dispose: dropUploads,
  };
}

/** A model's fused decode weights, a few models at a time. */
function fusedCache(rule: BRule): UploadCache<MambaModel, FusedDecoder> {
  return new UploadCache((model) => uploadDecoder(model, rule), (decoder) => decoder.dispose(), 2);
}

/** How long a failed call waits for the loss event (slow on a busy software GPU) before treating the failure as a plain error. */
const LOSS_GRACE_MS = 2000;

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Reads every tensor of `tensors` (a record of tensors, or of records and arrays of them) back to the host
 * in one readback, frees them, and returns the same structure of Float32Arrays.
 */
async function readBack<T>(tensors: T): Promise<Readback<T>> {
  const leaves: tf.Tensor[] = [];
  const collect = (value: unknown) => {
    if (value instanceof tf.Tensor) leaves.push(value);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(tensors);
  const packed = tf.tidy(() => tf.concat(leaves.map((t) => tf.reshape(t, [-1]))));
  let values: Float32Array;
  try {
    values = (await packed.data()) as Float32Array;
  } finally {
    tf.dispose([packed, ...leaves]);
  }
  let offset = 0;
  const rebuild = (value: unknown): unknown => {
    if (value instanceof tf.Tensor) {
      const part = values.slice(offset, offset + value.size);
      offset += value.size;
      return part;
    }
    if (Array.isArray(value)) return value.map(rebuild);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rebuild(inner)]));
    return value;
  };
  return rebuild(tensors) as Readback<T>;
}

/** The host-memory mirror of a structure of tensors. */
type Readback<T> = T extends tf.Tensor ? Float32Array : T extends readonly (infer E)[] ? Readback<E>[] : T extends object ? { [K in keyof T]: Readback<T[K]> } : T;

/** A model run read back into engine.ts's ModelRun; with `logitsOnly` the layers' tensors are freed unread. */
async function readModelRun(tensors: ReturnType<typeof modelForwardTensors>, logitsOnly = false): Promise<ModelRun<Float32Array>> {
  const [batch, length, vocab] = tensors.logits.shape;
  if (logitsOnly) {
    tf.dispose([tensors.embedded, ...tensors.layers.flatMap((layer) => Object.values(layer).filter((t): t is tf.Tensor => t instanceof tf.Tensor))]);
    tensors = { ...tensors, layers: [], embedded: tf.zeros([0]) };
  }
  const host = await readBack(tensors);
  const layers = host.layers.map((layer) => ({ batch, length, ...layer }) as LayerRun<Float32Array>);
  return { batch, length, vocab, embedded: host.embedded, layers, logits: host.logits };
}

/** Uploads a scan case (golden layout), applies the overrides on the GPU, scans, reads back once. */
async function scanOnGpu(inputs: SelectiveScanInputs, overrides: ScanOverrides = {}): Promise<SelectiveScanOutputs> {
  checkScanInputs(inputs);
  const rule = gpuRule(inputs.rule);
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
    return fusedScan({ u, delta, A, B, C, D, z }, sizes, "channels-first", rule, true);
  });
  const values = (await readBack(packed)) as Float32Array;
  const parts = unpackScanArrays(values, packedOffsets(sizes, true));
  return { y: parts.raw!.slice(), yGated: parts.out.slice(), finalState: parts.finalState.slice() };
}

/** What `__mambaEngineStats()` returns on a page (components/page-engine.ts): the active tfjs backend and its live tensors. */
export interface EngineStats {
  backend: string;
  numTensors: number;
  numBytes: number;
}

/** The active tfjs backend and tf.memory()'s counts, read-only: soak tests watch them for leaks. */
export function engineStats(): EngineStats {
  const { numTensors, numBytes } = tf.memory();
  return { backend: tf.getBackend(), numTensors, numBytes };
}

/**
 * Makes `backend` the one tfjs runs the page's own small tensors on (chapter 3's convolutions), so that
 * when the engine runs in a worker nothing on the page silently picks another backend.
 */
export async function setPageTfjsBackend(backend: GpuBackendName): Promise<void> {
  await tf.setBackend(backend);
}
