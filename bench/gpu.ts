/**
 * The fused WGSL selective scan on a real GPU, without a browser: Node + Dawn (see dawn-globals.ts).
 * For every shape: GPU time of the kernel from timestamp queries (tfjs's tf.time kernelMs: the sum over
 * every dispatch of the scan), and, as a cross-check, wall time per scan over a burst of back-to-back
 * scans ended by a one-value readback; the first call's extra time (pipeline compilation); achieved
 * bandwidth against the memory-traffic floor (read u, Δ, z, B, C; write out and the final state); max
 * relative error of out against the float64 reference on the first 128 channels. Writes rows as JSON
 * to $OUT/gpu-bench.json if $OUT is set.
 *   bash .gpubench/run.sh [--shapes=1x2048x1536x16,...] [--runs=10] [--warm-up=2000] [--naive] [--inputs=computed]
 *     [--layouts=channels-first,tokens-first] [--kernels=chunked,parallel,sequential]
 *     chunked: [--steps=8] [--workgroups=128] [--states=16] [--slots=auto,8,16,64]
 *     parallel, sequential: [--chunks=4,8] [--workgroups=64,128] [--states=1,4] [--groups=auto,1,4,16]
 * (all but --shapes, --runs, --warm-up, --layouts and --naive are for tuning; defaults: the engine's)
 */
import "./dawn-globals.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { CHUNKED_TILING, chunkedScanWebGPU, chunkedSlots, type ChunkedTiling } from "../src/engine/gpu/scan-chunked.js";
import { channelsPerGroup, scanWebGPU, WEBGPU_TILINGS, type ScanTensors, type WebGPUScanKernel, type WebGPUScanTiling } from "../src/engine/gpu/scan-webgpu.js";
import type { WebGPUKernelName } from "../src/engine/gpu/fused-scan.js";
import type { ScanLayoutName, ScanSizes } from "../src/engine/gpu/layout.js";
import { packedOffsets } from "../src/engine/gpu/layout.js";
import { naiveSelectiveScan } from "../src/engine/gpu/naive-scan.js";
import { ALL_SHAPES, benchInputs, checkAgainstReference, median, parseShapes, shapeLabel, type BenchRow, type BenchShape } from "./shapes.js";

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const shapes = option("shapes") ? parseShapes(option("shapes")!) : ALL_SHAPES;
const runs = Number(option("runs") ?? 10);
/** Milliseconds of back-to-back scans before the first configuration; later ones get a fifth of it. */
const warmUpMs = Number(option("warm-up") ?? 2000);
const BUSY_BETWEEN_SAMPLES_MS = 50;
/** A timed sample: back-to-back scans lasting about this long (at most 50 scans). */
const BURST_MS = 20;
const withNaive = args.includes("--naive");
const numbers = (name: string) => option(name)?.split(",").map(Number);
/** Where the inputs' buffers come from: uploaded from the host (default) or written by a GPU op. */
const computedInputs = option("inputs") === "computed";
/** channels-first = the golden/CUDA layout (batch, channels, length); tokens-first = the block's (batch, length, channels). */
const layouts = (option("layouts") ?? "channels-first,tokens-first").split(",") as ScanLayoutName[];

/** One kernel with one tiling and one way of splitting the work; `split` undefined = the engine's choice. */
interface Variant {
  kernel: WebGPUKernelName;
  label: string;
  engines: boolean;
  run: (backend: WebGPUBackend, tensors: ScanTensors, sizes: ScanSizes, layout: ScanLayoutName) => tf.TensorInfo;
  describe: (sizes: ScanSizes) => string;
}

const splitChoices = (name: string) => (option(name) ?? "auto").split(",").map((text) => (text === "auto" ? undefined : Number(text)));

function chunkedVariants(): Variant[] {
  const tilings: ChunkedTiling[] = (numbers("steps") ?? [CHUNKED_TILING.step]).flatMap((step) =>
    (numbers("workgroups") ?? [CHUNKED_TILING.workgroup]).flatMap((workgroup) =>
      (numbers("states") ?? [CHUNKED_TILING.states]).map((states) => ({ workgroup, step, states })),
    ),
  );
  return tilings.flatMap((tiling) =>
    splitChoices("slots").map((slots) => {
      const isEngines = slots === undefined && JSON.stringify(tiling) === JSON.stringify(CHUNKED_TILING);
      return {
        kernel: "chunked" as const,
        label: `chunked step ${tiling.step} workgroup ${tiling.workgroup} states ${tiling.states}`,
        engines: isEngines,
        run: (backend, tensors, sizes, layout) => chunkedScanWebGPU(backend, tensors, sizes, layout, "mamba", false, tiling, slots ?? chunkedSlots(sizes, tiling)),
        describe: (sizes) => {
          const s = slots ?? chunkedSlots(sizes, tiling);
          return `${s} chunks per channel, ${tiling.workgroup / s} channels per workgroup${slots === undefined ? " (auto)" : ""}${isEngines ? " (the engine's)" : ""}`;
        },
      } satisfies Variant;
    }),
  );
}

function classicVariants(kernel: WebGPUScanKernel): Variant[] {
  const tilings: WebGPUScanTiling[] = (numbers("chunks") ?? [WEBGPU_TILINGS[kernel].chunk]).flatMap((chunk) =>
    (numbers("workgroups") ?? [WEBGPU_TILINGS[kernel].workgroup]).flatMap((workgroup) =>
      (numbers("states") ?? [WEBGPU_TILINGS[kernel].states]).map((states) => ({ chunk, workgroup, states })),
    ),
  );
  return tilings.flatMap((tiling) =>
    (kernel === "parallel" ? splitChoices("groups") : [undefined]).map((groups) => ({
      kernel,
      label: `${kernel} chunk ${tiling.chunk} workgroup ${tiling.workgroup} states ${tiling.states}`,
      engines: false,
      run: (backend, tensors, sizes, layout) => scanWebGPU(backend, tensors, sizes, layout, "mamba", false, kernel, tiling, groups ?? channelsPerGroup(sizes, tiling.workgroup)),
      describe: (sizes) => (kernel === "parallel" ? `${groups ?? channelsPerGroup(sizes, tiling.workgroup)} channels per workgroup${groups === undefined ? " (auto)" : ""}` : ""),
    })),
  );
}

const variants = (option("kernels") ?? "chunked").split(",").flatMap((kernel) => (kernel === "chunked" ? chunkedVariants() : classicVariants(kernel as WebGPUScanKernel)));

/** Waits for `tensor` by reading back one value of it (a readback of the whole output would leave the GPU idle). */
async function syncOn(tensor: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(tensor, [-1]), [0], [1]));
  await one.data();
  one.dispose();
}

/** Back-to-back scans for `ms`, a burst always queued while the host waits for the one before. */
async function keepBusy(scan: () => tf.Tensor, ms: number, scansPerBurst: number): Promise<void> {
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
function swapLast(values: Float32Array, batch: number, first: number, second: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < first; i++) {
      for (let j = 0; j < second; j++) out[(b * second + j) * first + i] = values[(b * first + i) * second + j];
    }
  }
  return out;
}

/** Bytes the scan must move at least: u, Δ, z in and out back (4 · B·D·L floats), B and C in, the final state out. */
function trafficFloorBytes({ B, L, D, N }: BenchShape): number {
  return 4 * (4 * B * D * L + 2 * B * N * L + B * D * N + 2 * D * N + D);
}

type Inputs = ReturnType<typeof benchInputs>;

const mapValues = <T extends Record<string, tf.Tensor>>(record: T, f: (tensor: tf.Tensor) => tf.Tensor) =>
  Object.fromEntries(Object.entries(record).map(([key, tensor]) => [key, f(tensor)])) as T;

/** The same values in the kernel's layout (the check goes back to the golden layout); the last one is kept, as transposing 800 MB takes seconds. */
let lastLaid: { inputs: Inputs; layout: ScanLayoutName; laid: Inputs } | undefined;
function inLayout(inputs: Inputs, { B, L, D, N }: BenchShape, layout: ScanLayoutName): Inputs {
  if (layout === "channels-first") return inputs;
  if (lastLaid?.inputs !== inputs || lastLaid.layout !== layout) {
    lastLaid = undefined; // let the previous copy go before making the next
    const laid = { ...inputs, u: swapLast(inputs.u, B, D, L), delta: swapLast(inputs.delta, B, D, L), z: swapLast(inputs.z, B, D, L), B: swapLast(inputs.B, B, N, L), C: swapLast(inputs.C, B, N, L) };
    lastLaid = { inputs, layout, laid };
  }
  return lastLaid.laid;
}

async function benchFused(shape: BenchShape, inputs: Inputs, device: string, variant: Variant, layout: ScanLayoutName, busyMs: number): Promise<BenchRow & Record<string, unknown>> {
  const { B, L, D, N } = shape;
  const laid = inLayout(inputs, shape, layout);
  const sizes = { batch: shape.B, channels: shape.D, length: shape.L, state: shape.N };
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
  const t = computedInputs ? tf.tidy(() => mapValues(uploaded, (tensor) => tf.add(tensor, 0))) : uploaded;
  if (computedInputs) tf.dispose(Object.values(uploaded));
  let sum: tf.Tensor | undefined;
  const copyTime = await tf.time(() => {
    sum = tf.add(t.u, t.delta);
  });
  sum!.dispose();
  const copyGBps = (3 * t.u.size * 4) / (copyTime.kernelMs as number) / 1e6;
  const backend = tf.backend() as WebGPUBackend;
  const scan = () => tf.engine().makeTensorFromTensorInfo(variant.run(backend, t, sizes, layout));
  // First call: uploads and pipeline compilation.
  let start = performance.now();
  const first = scan();
  const firstValues = (await first.data()) as Float32Array;
  const firstMs = performance.now() - start;
  first.dispose();
  const out = firstValues.subarray(0, packedOffsets(sizes, false).finalState);
  const maxRelErr = checkAgainstReference(inputs, layout === "channels-first" ? out : swapLast(out, B, L, D));
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
  tf.dispose(Object.values(t));
  const timestampOk = kernelMs.every((ms) => Number.isFinite(ms) && ms > 0);
  const ms = timestampOk ? median(kernelMs) : burstMs;
  const floorBytes = trafficFloorBytes(shape);
  return {
    impl: "fused",
    backend: "webgpu (Node + Dawn)",
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
    variant: `${variant.label}, ${variant.describe(sizes)}`,
    engines: variant.engines,
    copyFloorMs: floorBytes / (copyGBps * 1e6),
    note: `${computedInputs ? "computed" : "uploaded"} inputs (u + Δ at ${copyGBps.toFixed(0)} GB/s), ${layout}, ${variant.label}, ${variant.describe(sizes)}`,
  };
}

async function benchNaive(shape: BenchShape, device: string): Promise<BenchRow> {
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
  return { impl: "naive-tfjs", backend: "webgpu (Node + Dawn)", device, ...shape, ms: median(times.slice(1)), maxRelErr, timing: `wall time incl. readback, median of ${naiveRuns}`, runs: naiveRuns };
}

async function main(): Promise<void> {
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs could not start its WebGPU backend on Dawn");
  await tf.ready();
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string }; device: GPUDevice };
  const info = backend.adapterInfo ?? {};
  const device = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "unknown GPU";
  console.log(`device: ${device}; timestamp-query: ${backend.device.features.has("timestamp-query")}`);
  const rows: (BenchRow & Record<string, unknown>)[] = [];
  for (const shape of shapes) {
    let row: BenchRow & Record<string, unknown> = undefined!;
    const inputs = benchInputs(shape);
    for (const layout of layouts) for (const variant of variants) {
      try {
        row = await benchFused(shape, inputs, device, variant, layout, rows.length === 0 ? warmUpMs : warmUpMs / 5);
      } catch (error) {
        // A tuning variant the device cannot run (too much workgroup memory, say) is reported, not fatal.
        console.log(`fused ${variant.label} ${layout} ${shapeLabel(shape)}: failed: ${String(error).slice(0, 300)}`);
        continue;
      }
      rows.push(row);
      console.log(
        `fused ${row.note} ${shapeLabel(shape)}: ${row.ms.toFixed(4)} ms GPU (${row.timing}); burst wall ${(row.burstWallMs as number).toFixed(4)} ms; ` +
          `compile ${row.compileMs!.toFixed(1)} ms; ${(row.achievedGBps as number).toFixed(0)} GB/s over a ${(row.trafficFloorMB as number).toFixed(1)} MB floor; maxRelErr ${row.maxRelErr!.toExponential(2)}`,
      );
    }
    if (withNaive && shape.B * shape.L * shape.D * shape.N <= 1 << 23) {
      const naive = await benchNaive(shape, device);
      rows.push({ ...naive });
      console.log(`naive-tfjs ${shapeLabel(shape)}: ${naive.ms.toFixed(2)} ms (${(naive.ms / row.ms).toFixed(0)}× the fused kernel); maxRelErr ${naive.maxRelErr!.toExponential(2)}`);
    }
  }
  if (process.env.OUT) writeFileSync(join(process.env.OUT, "gpu-bench.json"), JSON.stringify(rows, null, 2));
  printSummary(rows);
}

/** Per shape and layout: the engine's variant and the fastest one, GPU time and max relative error. */
function printSummary(rows: (BenchRow & Record<string, unknown>)[]): void {
  for (const shape of shapes) {
    for (const layout of layouts) {
      const mine = rows.filter((r) => r.impl === "fused" && r.layout === layout && shapeLabel(r) === shapeLabel(shape));
      if (mine.length === 0) continue;
      const best = mine.reduce((a, b) => (b.ms < a.ms ? b : a));
      const engines = mine.find((r) => r.engines);
      const text = (r: BenchRow & Record<string, unknown>) => `${r.ms.toFixed(4)} ms (err ${r.maxRelErr?.toExponential(1)})`;
      console.log(`summary ${shapeLabel(shape)} ${layout}: engine's ${engines ? text(engines) : "-"}; best ${text(best)} ${best.variant}; copy floor ${(best.copyFloorMs as number).toFixed(4)} ms`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
