/**
 * The page the GPU browser tests drive: it creates the engine for `location.search` (so
 * `?backend=webgl` works as on the site) and exposes checks that compare the engine with the float64
 * reference inside the page, returning only the errors.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mambaBlockForward } from "../../src/engine/block.js";
import { initMambaBlock } from "../../src/engine/init.js";
import { createRandom } from "../../src/engine/random.js";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import type { Engine } from "../../src/engine/engine.js";
import { readScanOutputs } from "../../src/engine/golden-format.js";
import { applyScanOverrides } from "../../src/engine/overrides.js";
import { createReferenceEngine } from "../../src/engine/reference-engine.js";
import { blockRunDifferences, modelRunDifferences, worstDifference } from "../../src/engine/run-difference.js";
import { parseScanCase, randomScanCase } from "../../src/engine/scan-case.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import type { BRule, MambaModel, ScanOverrides, SelectiveScanInputs, SelectiveScanOutputs } from "../../src/engine/types.js";
import { createGpuEngine } from "../../src/engine/gpu/engine.js";
import { requestedTfjsBackend } from "../../src/components/page-engine.js";
import { maxRelativeError } from "../../src/engine/gpu/relative-error.js";
import { forceWebGPUScanKernel, fusedScan, unpackScanArrays, webgpuScanKernel } from "../../src/engine/gpu/fused-scan.js";
import { packedOffsets, sizesOf } from "../../src/engine/gpu/layout.js";
import { CHUNKED_TILING, chunkedVariant, chunkedVariantKey } from "../../src/engine/gpu/scan-chunked.js";
import { forceDecodeLanes, uploadDecoder } from "../../src/engine/gpu/decode-step.js";
import { swapAxes } from "../../src/engine/layers.js";
import { initialLmState, lmStep, type LmState } from "../../src/engine/model.js";
import { showBackend } from "../../src/components/backend-badge.js";

/** The logits after reading `ids` from `state` with the float64 lmStep. */
function lmStepsFrom(model: MambaModel, state: LmState, ids: number[], rule: BRule): Float64Array {
  let logits: Float64Array = new Float64Array(0);
  for (const id of ids) ({ state, logits } = lmStep(model, state, id, rule));
  return logits;
}

export interface ScanErrors {
  out: number;
  y: number;
  finalState: number;
}

function scanErrors(got: SelectiveScanOutputs, expected: SelectiveScanOutputs): ScanErrors {
  return {
    out: maxRelativeError(got.yGated, expected.yGated),
    y: maxRelativeError(got.y, expected.y),
    finalState: maxRelativeError(got.finalState, expected.finalState),
  };
}

export interface RandomScanSpec {
  batch: number;
  channels: number;
  length: number;
  state: number;
  rule: BRule;
  seed: number;
  withGate: boolean;
}

/** Overrides of every kind on a case: some set (others NaN = keep), some scaled. */
function randomOverrides(inputs: SelectiveScanInputs, seed: number): ScanOverrides {
  const { channels, length, state } = inputs;
  const random = createRandom(seed);
  const sparseSet = (size: number, low: number, high: number) =>
    random.fill(size, () => (random.uniform() < 0.3 ? random.uniformIn(low, high) : NaN));
  const scale = (size: number) => random.fill(size, () => random.uniformIn(0, 2));
  return {
    delta: { set: sparseSet(length * channels, 0.01, 3), scale: scale(length * channels) },
    A: { scale: scale(channels * state) },
    B: { set: sparseSet(length * state, -2, 2) },
    C: { set: sparseSet(length * state, -2, 2), scale: scale(length * state) },
  };
}

// `?kernel=chunked|sequential[&slots=S]` forces one WGSL kernel (and S chunks per channel), so every
// variant is checked on this machine's adapter.
const query = new URLSearchParams(location.search);
const kernel = query.get("kernel");
if (kernel === "chunked" || kernel === "sequential") forceWebGPUScanKernel(kernel, Number(query.get("slots")) || undefined);

let engine: Engine | undefined;
const reference = createReferenceEngine();
const ready = createGpuEngine(requestedTfjsBackend()).then((created) => {
  engine = created;
  showBackend(created);
  return { backend: created.backend, reason: created.reason };
});

const api = {
  ready: () => ready,

  /** The WGSL kernel the engine runs (only meaningful on WebGPU). */
  kernel: () => webgpuScanKernel(),

  /** Golden case (JSON as in test/fixtures/golden/scan): errors against the golden outputs. */
  async golden(json: unknown): Promise<ScanErrors> {
    const inputs = parseScanCase(json);
    const got = await engine!.scan(inputs);
    const golden = json as Record<string, { data: number[] }>;
    return scanErrors(got, readScanOutputs(json));
  },

  async random(spec: RandomScanSpec, overridesSeed?: number): Promise<ScanErrors> {
    const inputs = randomScanCase(spec, spec.rule, spec.seed, spec.withGate);
    if (overridesSeed === undefined) return scanErrors(await engine!.scan(inputs), selectiveScan(inputs));
    const overrides = randomOverrides(inputs, overridesSeed);
    return scanErrors(await engine!.scan(inputs, overrides), selectiveScan(applyScanOverrides(inputs, overrides)));
  },

  /**
   * The same random case laid out token-major (the block's layout: u, Δ, z (batch, length, channels),
   * B, C (batch, length, state)) through fusedScan directly; errors against the float64 reference.
   */
  async randomTokenMajor(spec: RandomScanSpec): Promise<ScanErrors> {
    const inputs = randomScanCase(spec, spec.rule, spec.seed, spec.withGate);
    const { batch, channels, length, state } = inputs;
    const sizes = sizesOf(inputs);
    const packed = tf.tidy(() => {
      const laid = (values: ArrayLike<number>, rows: number) => tf.tensor1d(Float32Array.from(swapAxes(values, batch, rows, length)));
      const z = inputs.z ? laid(inputs.z, channels) : undefined;
      const tensor = (values: ArrayLike<number>) => tf.tensor1d(Float32Array.from(values));
      return fusedScan({ u: laid(inputs.u, channels), delta: laid(inputs.delta, channels), A: tensor(inputs.A), B: laid(inputs.B, state), C: laid(inputs.C, state), D: tensor(inputs.D!), z }, sizes, "tokens-first", spec.rule, true);
    });
    const values = (await packed.data()) as Float32Array;
    packed.dispose();
    const got = unpackScanArrays(values, packedOffsets(sizes, true));
    const back = (values: Float32Array) => swapAxes(values, batch, length, channels);
    return scanErrors({ yGated: back(got.out), y: back(got.raw!), finalState: got.finalState }, selectiveScan(inputs));
  },

  /**
   * The GPU decode step on a checkpoint served under `folder` against the float64 lmStep, token by
   * token, both B rules, with the lanes per row of a software adapter or of a GPU: the worst relative
   * error of the logits, and of the logits after a reset and the same tokens again.
   */
  async decode(folder: string, steps: number, softwareLanes: boolean): Promise<{ logits: number; afterReset: number; tensorsLeft: number }> {
    const read = async (name: string) => (await fetch(`${folder}/${name}`)).arrayBuffer();
    const model = loadMambaCheckpoint(JSON.parse(new TextDecoder().decode(await read("config.json"))), new Uint8Array(await read("model.safetensors")));
    const tensorsBefore = tf.memory().numTensors;
    let logits = 0;
    let afterReset = 0;
    forceDecodeLanes(softwareLanes);
    for (const rule of ["mamba", "zoh"] as const) {
      const decoder = uploadDecoder(model, rule);
      const state = decoder.start();
      const ids = Array.from({ length: steps }, (_, i) => (i * 7 + 3) % model.config.vocabSize);
      let reference = initialLmState(model);
      const expected: Float64Array[] = [];
      for (const id of ids) {
        const step = lmStep(model, reference, id, rule);
        reference = step.state;
        expected.push(step.logits);
        logits = Math.max(logits, maxRelativeError(await state.step(id), step.logits));
      }
      state.reset();
      for (const [i, id] of ids.entries()) afterReset = Math.max(afterReset, maxRelativeError(await state.step(id), expected[i]));
      state.dispose();
      decoder.dispose();
    }
    forceDecodeLanes(undefined);
    return { logits, afterReset, tensorsLeft: tf.memory().numTensors - tensorsBefore };
  },

  /**
   * The engine's decoder (what pages generate with) on a served checkpoint against the float64
   * lmStep for both B rules: the worst relative error of the logits, of state() against the
   * reference state, and of the logits after reset(saved state, position) — a resumed decoder must
   * continue exactly as one that never stopped.
   */
  async engineDecode(folder: string, steps: number): Promise<{ logits: number; state: number; resumed: number; position: number }> {
    const read = async (name: string) => (await fetch(`${folder}/${name}`)).arrayBuffer();
    const model = loadMambaCheckpoint(JSON.parse(new TextDecoder().decode(await read("config.json"))), new Uint8Array(await read("model.safetensors")));
    const errors = { logits: 0, state: 0, resumed: 0, position: 0 };
    const ids = Array.from({ length: 2 * steps }, (_, i) => (i * 5 + 2) % model.config.vocabSize);
    for (const rule of ["mamba", "zoh"] as const) {
      const decoder = engine!.decoder(model, { rule });
      let reference = initialLmState(model);
      const expected: Float64Array[] = [];
      for (const [i, id] of ids.entries()) {
        const step = lmStep(model, reference, id, rule);
        reference = step.state;
        expected.push(step.logits);
        errors.logits = Math.max(errors.logits, maxRelativeError(await decoder.step(id), step.logits));
        if (i === steps - 1) {
          const saved = await decoder.state();
          saved.forEach((layer, j) => {
            errors.state = Math.max(errors.state, maxRelativeError(layer.h, reference[j].h), maxRelativeError(layer.convWindow, reference[j].convWindow));
          });
          const resumed = engine!.decoder(model, { rule });
          resumed.reset(saved, steps);
          for (const [k, later] of ids.slice(steps).entries()) errors.resumed = Math.max(errors.resumed, maxRelativeError(await resumed.step(later), lmStepsFrom(model, reference, ids.slice(steps, steps + k + 1), rule)));
          errors.position = Math.max(errors.position, Math.abs(resumed.position - ids.length));
          resumed.dispose();
        }
      }
      decoder.dispose();
    }
    engine!.release(model);
    return errors;
  },

  /** A fresh block (official init) on random input, with or without overrides: worst error per output. */
  async block(spec: { dModel: number; dState: number; batch: number; length: number; rule: BRule; seed: number; overrides: boolean }) {
    const { dModel, dState, batch, length, rule, seed } = spec;
    const random = createRandom(seed);
    const dims = { dModel, dInner: 2 * dModel, dState, dtRank: Math.ceil(dModel / 16), convWidth: 4 };
    const weights = initMambaBlock(dims, random, { useBias: true, dtMin: 0.05, dtMax: 1 });
    const input = random.fill(batch * length * dModel, () => random.normal());
    let overrides: ScanOverrides | undefined;
    if (spec.overrides) {
      const set = (size: number, low: number, high: number) => random.fill(size, () => (random.uniform() < 0.3 ? random.uniformIn(low, high) : NaN));
      overrides = {
        delta: { set: set(length * dims.dInner, 0.01, 2), scale: random.fill(length * dims.dInner, () => random.uniformIn(0, 2)) },
        A: { scale: random.fill(dims.dInner * dState, () => random.uniformIn(0.5, 2)) },
        B: { set: set(length * dState, -2, 2) },
        C: { scale: random.fill(length * dState, () => random.uniformIn(-1, 2)) },
      };
    }
    const expected = mambaBlockForward(weights, input, batch, length, { rule, overrides, states: true });
    const got = await engine!.runBlock(weights, input, batch, length, { rule, overrides, states: true });
    return Object.fromEntries(blockRunDifferences(got, expected).map((d) => [d.field, d.relative]));
  },

  /**
   * A golden checkpoint (config.json and model.safetensors as served) on its golden ids: the worst
   * difference over every field of every layer from the float64 reference, and the field it was in.
   */
  async model(config: unknown, weights: number[], ids: number[][]): Promise<{ relative: number; field: string; layer?: number }> {
    const model = loadMambaCheckpoint(config, Uint8Array.from(weights));
    const options = { statesOf: [0] };
    const worst = worstDifference(modelRunDifferences(await engine!.runModel(model, ids, options), await reference.runModel(model, ids, options)));
    engine!.release(model);
    return worst;
  },

  /** tf.memory().numTensors after each of `repeats` block forwards and scans with the same weights. */
  async tensorCounts(repeats: number): Promise<number[]> {
    const random = createRandom(9);
    const weights = initMambaBlock({ dModel: 8, dInner: 16, dState: 4, dtRank: 1, convWidth: 4 }, random);
    const input = random.fill(2 * 7 * 8, () => random.normal());
    const scanInputs = randomScanCase({ batch: 2, channels: 3, length: 11, state: 4 }, "zoh", 3, true);
    const overrides = randomOverrides(scanInputs, 5);
    const counts: number[] = [];
    for (let i = 0; i < repeats; i++) {
      await engine!.runBlock(weights, input, 2, 7, { overrides: { delta: { scale: random.fill(7 * 16, () => 1.5) } } });
      await engine!.scan(scanInputs, overrides);
      counts.push(tf.memory().numTensors);
    }
    return counts;
  },

  /** Distinct pipelines the chunked kernel needs for these shapes in both rules and layouts. */
  chunkedVariantCount(shapes: { batch: number; channels: number; length: number; state: number }[]): number {
    const keys = shapes.flatMap((sizes) =>
      (["mamba", "zoh"] as const).flatMap((rule) => (["channels-first", "tokens-first"] as const).map((layout) => chunkedVariantKey(chunkedVariant(sizes, layout, rule, CHUNKED_TILING)))),
    );
    return new Set(keys).size;
  },

  /** Number of compiled WebGPU pipelines, to show that new sizes reuse the fused kernel. */
  pipelineCount(): number {
    return Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache).length;
  },

  badge(): { text: string; title: string; hidden: boolean } {
    const badge = document.getElementById("backend-badge")!;
    return { text: badge.textContent ?? "", title: badge.title, hidden: badge.hidden };
  },
};

declare global {
  interface Window {
    gpuTest: typeof api;
  }
}
window.gpuTest = api;
