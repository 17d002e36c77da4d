/**
 * Timing of the fused WGSL scan on whatever WebGPU tfjs runs on: Node + Dawn (bench/gpu.ts) or a real
 * browser (bench/browser/). Kernel variants, inputs in either layout, and one timed row per variant:
 * GPU time from timestamp queries (tfjs's tf.time kernelMs: the sum over every dispatch of the scan)
 * over bursts of back-to-back scans taken right after keeping the GPU busy, wall time per scan over
 * the same bursts, and the max relative error of out against the float64 reference.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { CHUNKED_TILING, chunkedScanWebGPU, chunkedSlots, type ChunkedTiling } from "../src/engine/gpu/scan-chunked.js";
import { SEQUENTIAL_TILING, sequentialScanWebGPU, type SequentialTiling } from "../src/engine/gpu/scan-sequential.js";
import type { ScanTensors } from "../src/engine/gpu/wgsl.js";
import type { WebGPUKernelName } from "../src/engine/gpu/fused-scan.js";
import { packedOffsets, type ScanLayoutName, type ScanSizes } from "../src/engine/gpu/layout.js";
import { naiveSelectiveScan } from "../src/engine/gpu/naive-scan.js";
import { benchInputs, checkAgainstReference, median, trafficFloorBytes, type BenchRow, type BenchShape } from "./shapes.js";

/** How variants are chosen and samples taken; every list's undefined entry means the engine's choice. */
export interface ScanTimingOptions {
  /** Timed samples per variant. */
  runs: number;
  /** Inputs written by a GPU op (as the block's projections write them) rather than uploaded. */
  computedInputs: boolean;
  /** Where the timing runs, for the rows ("webgpu (Node + Dawn)", "webgpu (Chromium)"). */
  backendLabel: string;
}

/** Tuning lists of bench/gpu.ts; absent lists mean the engine's tiling. */
export interface VariantOptions {
  kernels: string[];
  steps?: number[];
  chunks?: number[];
  workgroups?: number[];
  states?: number[];
  slots?: (number | undefined)[];
}

const BUSY_BETWEEN_SAMPLES_MS = 50;
/** A timed sample: back-to-back scans lasting about this long (at most 50 scans). */
const BURST_MS = 20;

/** One kernel with one tiling and one way of splitting the work; `split` undefined = the engine's choice. */
export interface Variant {
  kernel: WebGPUKernelName;
  label: string;
  engines: boolean;
  run: (backend: WebGPUBackend, tensors: ScanTensors, sizes: ScanSizes, layout: ScanLayoutName) => tf.TensorInfo;
  describe: (sizes: ScanSizes, layout: ScanLayoutName) => string;
}

function chunkedVariants(o: VariantOptions): Variant[] {
  const tilings: ChunkedTiling[] = (o.steps ?? [CHUNKED_TILING.step]).flatMap((step) =>
    (o.workgroups ?? [CHUNKED_TILING.workgroup]).flatMap((workgroup) =>
      (o.states ?? [CHUNKED_TILING.states]).map((states) => ({ workgroup, step, states })),
    ),
  );
  return tilings.flatMap((tiling) =>
    (o.slots ?? [undefined]).map((slots) => {
      const isEngines = slots === undefined && JSON.stringify(tiling) === JSON.stringify(CHUNKED_TILING);
      return {
        kernel: "chunked" as const,
        label: `chunked step ${tiling.step} workgroup ${tiling.workgroup} states ${tiling.states}`,
        engines: isEngines,
        run: (backend, tensors, sizes, layout) => chunkedScanWebGPU(backend, tensors, sizes, layout, "mamba", false, tiling, slots ?? chunkedSlots(sizes, layout, tiling)),
        describe: (sizes, layout) => {
          const s = slots ?? chunkedSlots(sizes, layout, tiling);
          return `${s} chunks per channel, ${tiling.workgroup / s} channels per workgroup${slots === undefined ? " (auto)" : ""}${isEngines ? " (the engine's)" : ""}`;
        },
      } satisfies Variant;
    }),
  );
}

function sequentialVariants(o: VariantOptions): Variant[] {
  const tilings: SequentialTiling[] = (o.chunks ?? [SEQUENTIAL_TILING.chunk]).flatMap((chunk) =>
    (o.workgroups ?? [SEQUENTIAL_TILING.workgroup]).flatMap((workgroup) => (o.states ?? [SEQUENTIAL_TILING.states]).map((states) => ({ chunk, workgroup, states }))),
  );
  return tilings.map((tiling) => ({
    kernel: "sequential",
    label: `sequential chunk ${tiling.chunk} workgroup ${tiling.workgroup} states ${tiling.states}`,
    engines: false,
    run: (backend, tensors, sizes, layout) => sequentialScanWebGPU(backend, tensors, sizes, layout, "mamba", false, tiling),
    describe: () => "",
  }));
}

/** Every variant the options ask for, kernel by kernel. */
export function scanVariants(o: VariantOptions): Variant[] {
  return o.kernels.flatMap((kernel) => (kernel === "chunked" ? chunkedVariants(o) : sequentialVariants(o)));
}

/** Waits for `tensor` by reading back one value of it (a readback of the whole output would leave the GPU idle). */
export async function syncOn(tensor: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(tensor, [-1]), [0], [1]));
  await one.data();
  one.dispose();
}

/** Back-to-back scans for `ms`, a burst always queued while the host waits for the one before. */
export async function keepBusy(scan: () => tf.Tensor, ms: number, scansPerBurst: number): Promise<void> {
  let previous: tf.Tensor[] = [];
  for (const until = performance.now() + ms; performance.now() < until; ) {
    const burst = Array.from({ length: scansPerBurst }, scan);
    if (previous.length > 0) await syncOn(previous[previous.length - 1]);
    tf.dispose(previous);
    previous = burst;
  }
  if (previous.length > 0) await syncOn(previous[previous.length - 1]);
  tf.dispose(previous);
}

/** (batch, rows, length) → (batch, length, rows) or back, for a buffer of batch·rows·length values. */
export function swapLast(values: Float32Array, batch: number, first: number, second: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < first; i++) {
      for (let j = 0; j < second; j++) out[(b * second + j) * first + i] = values[(b * first + i) * second + j];
    }
  }
  return out;
}

export type Inputs = ReturnType<typeof benchInputs>;

const mapValues = <T extends Record<string, tf.Tensor>>(record: T, f: (tensor: tf.Tensor) => tf.Tensor) =>
  Object.fromEntries(Object.entries(record).map(([key, tensor]) => [key, f(tensor)])) as T;

/** The same values in the kernel's layout (the check goes back to the golden layout). */
function inLayout(inputs: Inputs, { B, L, D, N }: BenchShape, layout: ScanLayoutName): Inputs {
  if (layout === "channels-first") return inputs;
  return { ...inputs, u: swapLast(inputs.u, B, D, L), delta: swapLast(inputs.delta, B, D, L), z: swapLast(inputs.z, B, D, L), B: swapLast(inputs.B, B, N, L), C: swapLast(inputs.C, B, N, L) };
}

/** One scan's inputs on the GPU in one layout, with the copy bandwidth measured on them and a check of out. */
export interface UploadedScan {
  shape: BenchShape;
  layout: ScanLayoutName;
  tensors: ScanTensors;
  copyGBps: number;
  /** max relative error of a packed output (this layout) against the float64 reference. */
  maxRelErr: (packed: Float32Array) => number;
}

/** Uploads `inputs` (golden layout) in `layout`; `check` compares golden-layout outputs with the reference. */
export async function uploadScan(shape: BenchShape, inputs: Inputs, layout: ScanLayoutName, computedInputs: boolean, check: (out: Float32Array) => number): Promise<UploadedScan> {
  const { B, L, D } = shape;
  const laid = inLayout(inputs, shape, layout);
  const uploaded = {
    u: tf.tensor1d(laid.u),
    delta: tf.tensor1d(laid.delta),
    A: tf.tensor1d(laid.A),
    B: tf.tensor1d(laid.B),
    C: tf.tensor1d(laid.C),
    D: tf.tensor1d(laid.D),
    z: tf.tensor1d(laid.z),
  };
  // tfjs uploads through buffers mapped at creation; "computed" inputs are written by a GPU op
  // instead, as the block's projections write the scan's inputs.
  const tensors = computedInputs ? tf.tidy(() => mapValues(uploaded, (tensor) => tf.add(tensor, 0))) : uploaded;
  if (computedInputs) tf.dispose(Object.values(uploaded));
  let sum: tf.Tensor | undefined;
  const copyTime = await tf.time(() => {
    sum = tf.add(tensors.u, tensors.delta);
  });
  sum!.dispose();
  const sizes = { batch: B, channels: D, length: L, state: shape.N };
  return {
    shape,
    layout,
    tensors,
    copyGBps: (3 * tensors.u.size * 4) / (copyTime.kernelMs as number) / 1e6,
    maxRelErr: (packed) => {
      const out = packed.subarray(0, packedOffsets(sizes, false).finalState);
      return check(layout === "channels-first" ? out : swapLast(out, B, L, D));
    },
  };
}

export async function benchFused(scanInputs: UploadedScan, device: string, variant: Variant, busyMs: number, { runs, computedInputs, backendLabel }: ScanTimingOptions): Promise<BenchRow & Record<string, unknown>> {
  const { shape, layout, tensors: t, copyGBps } = scanInputs;
  const sizes = { batch: shape.B, channels: shape.D, length: shape.L, state: shape.N };
  const backend = tf.backend() as WebGPUBackend;
  const scan = () => tf.engine().makeTensorFromTensorInfo(variant.run(backend, t, sizes, layout));
  // First call: pipeline compilation.
  let start = performance.now();
  const first = scan();
  const firstValues = (await first.data()) as Float32Array;
  const firstMs = performance.now() - start;
  first.dispose();
  const maxRelErr = scanInputs.maxRelErr(firstValues);
  // A GPU that idles between short bursts stays at low clocks (an H200 here sat at 345–690 MHz of
  // 1980 while every timed scan was followed by a readback), so every sample is taken right after
  // keeping the GPU busy, and is a burst of back-to-back scans that lasts about BURST_MS.
  let probe: tf.Tensor | undefined;
  const probeMs = (await tf.time(() => { probe = scan(); })).kernelMs as number;
  await syncOn(probe!);
  probe!.dispose();
  const scansPerBurst = Math.max(1, Math.min(50, Math.round(BURST_MS / (probeMs > 0 ? probeMs : 1))));
  const kernelMs: number[] = [];
  const burstWallMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await keepBusy(scan, i === 0 ? busyMs : BUSY_BETWEEN_SAMPLES_MS, scansPerBurst);
    let outputs: tf.Tensor[] = [];
    start = performance.now();
    const timing = await tf.time(() => {
      outputs = Array.from({ length: scansPerBurst }, scan);
    });
    await syncOn(outputs[outputs.length - 1]);
    burstWallMs.push((performance.now() - start) / scansPerBurst);
    tf.dispose(outputs);
    kernelMs.push((timing.kernelMs as number) / scansPerBurst);
  }
  const burstMs = median(burstWallMs);
  const timestampOk = kernelMs.every((ms) => Number.isFinite(ms) && ms > 0);
  const ms = timestampOk ? median(kernelMs) : burstMs;
  const floorBytes = trafficFloorBytes(shape);
  return {
    impl: "fused",
    backend: backendLabel,
    device,
    ...shape,
    ms,
    maxRelErr,
    compileMs: firstMs - ms,
    timing: timestampOk
      ? `median of ${runs} bursts of ${scansPerBurst}, timestamp-query kernel time per scan, GPU kept busy before each`
      : `wall time per scan over bursts of ${scansPerBurst} (no timestamp queries)`,
    runs,
    burstWallMs: burstMs,
    kernelMsAll: kernelMs,
    trafficFloorMB: floorBytes / 1e6,
    achievedGBps: floorBytes / (ms * 1e-3) / 1e9,
    copyGBps,
    kernel: variant.kernel,
    layout,
    variant: `${variant.label}, ${variant.describe(sizes, layout)}`,
    engines: variant.engines,
    copyFloorMs: floorBytes / (copyGBps * 1e6),
    note: `${computedInputs ? "computed" : "uploaded"} inputs (u + Δ at ${copyGBps.toFixed(0)} GB/s), ${layout}, ${variant.label}, ${variant.describe(sizes, layout)}`,
  };
}

export async function benchNaive(shape: BenchShape, device: string, backendLabel: string): Promise<BenchRow> {
  const inputs = benchInputs(shape);
  const { B, L, D, N } = shape;
  const tokensFirst = (values: Float32Array) => tf.tidy(() => tf.transpose(tf.tensor3d(values, [B, D, L]), [0, 2, 1]) as tf.Tensor3D);
  const bcTokensFirst = (values: Float32Array) => tf.tidy(() => tf.transpose(tf.tensor3d(values, [B, N, L]), [0, 2, 1]) as tf.Tensor3D);
  const t = {
    u: tokensFirst(inputs.u),
    delta: tokensFirst(inputs.delta),
    z: tokensFirst(inputs.z),
    A: tf.tensor2d(inputs.A, [D, N]),
    B: bcTokensFirst(inputs.B),
    C: bcTokensFirst(inputs.C),
    D: tf.tensor1d(inputs.D),
  };
  const scan = () => naiveSelectiveScan(t.u, t.delta, t.A, t.B, t.C, t.D, t.z);
  const times: number[] = [];
  let maxRelErr: number | null = null;
  const naiveRuns = 5;
  for (let i = 0; i <= naiveRuns; i++) {
    const start = performance.now();
    const out = scan();
    const values = await out.data();
    times.push(performance.now() - start);
    if (i === 0) {
      const channelsFirst = tf.tidy(() => tf.transpose(out, [0, 2, 1]));
      maxRelErr = checkAgainstReference(inputs, (await channelsFirst.data()) as Float32Array);
      channelsFirst.dispose();
    }
    void values;
    out.dispose();
  }
  tf.dispose(Object.values(t));
  return { impl: "naive-tfjs", backend: backendLabel, device, ...shape, ms: median(times.slice(1)), maxRelErr, timing: `wall time incl. readback, median of ${naiveRuns}`, runs: naiveRuns };
}

