/** Property tests of the Mamba block and model: step decoding, overrides, initialisation, checkpoints round trip. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inverseSoftplus, softplus } from "../../src/engine/activations.js";
import { initialBlockState, mambaBlockForward, mambaBlockStep } from "../../src/engine/block.js";
import { loadMambaCheckpoint, saveMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { EngineError } from "../../src/engine/errors.js";
import { parseMambaConfig } from "../../src/engine/hf-config.js";
import { initMambaBlock, initMambaModel, mambaConfig } from "../../src/engine/init.js";
import { initialLmState, lmForward, lmStep } from "../../src/engine/model.js";
import { createRandom } from "../../src/engine/random.js";
import { readSafetensors, writeSafetensors } from "../../src/engine/safetensors.js";
import type { BRule, MambaBlockWeights } from "../../src/engine/types.js";
import { maxAbsDifference, relativeError } from "./engine-helpers.js";

const random = createRandom(7);

/** A block with every optional bias and non-default sizes, weights scaled up so Δ spans a wide range. */
function oddBlock(): MambaBlockWeights {
  const block = initMambaBlock({ dModel: 6, dInner: 10, dState: 3, dtRank: 2, convWidth: 3 }, random, { useBias: true });
  for (const bias of [block.inProjBias!, block.outProjBias!]) bias.set(random.fill(bias.length, random.normal));
  block.xProj.set(block.xProj.map((v) => 4 * v));
  return block;
}

test("step-by-step decoding of a block = full-sequence forward, both B rules, every intermediate", () => {
  for (const rule of ["mamba", "zoh"] as BRule[]) {
    const block = oddBlock();
    const length = 9;
    const input = random.fill(length * 6, random.normal);
    const full = mambaBlockForward(block, input, 1, length, { rule });
    let state = initialBlockState(block);
    const stateSize = state.convWindow.length + state.h.length;
    for (let t = 0; t < length; t++) {
      const before = Float64Array.from(state.h);
      const step = mambaBlockStep(block, state, input.subarray(6 * t, 6 * t + 6), rule);
      assert.deepEqual(state.h, before, "the step does not modify its input state");
      for (const [name, width] of [["u", 10], ["z", 10], ["delta", 10], ["B", 3], ["C", 3], ["y", 10], ["yGated", 10], ["out", 6]] as const) {
        assert.ok(maxAbsDifference(step[name], full[name].subarray(width * t, width * (t + 1))) < 1e-12, `${rule} t=${t} ${name}`);
      }
      state = step.state;
      assert.equal(state.convWindow.length + state.h.length, stateSize, "constant-size state");
    }
    assert.ok(maxAbsDifference(state.h, full.finalState) < 1e-12);
    assert.ok(maxAbsDifference(state.convWindow, full.convState) < 1e-12, "the conv window after the last token");
  }
});

test("step-by-step decoding of a whole model = full forward (untied head, three layers)", () => {
  const config = mambaConfig({ vocabSize: 20, dModel: 8, numLayers: 3, dState: 4, convWidth: 2, useBias: true, tieEmbeddings: false });
  const model = initMambaModel(config, 11);
  const ids = [3, 19, 0, 7, 7, 2, 11];
  const full = lmForward(model, [ids]);
  let state = initialLmState(model);
  ids.forEach((id, t) => {
    const step = lmStep(model, state, id);
    assert.ok(maxAbsDifference(step.logits, full.logits.subarray(20 * t, 20 * (t + 1))) < 1e-12, `token ${t}`);
    state = step.state;
  });
});

test("batch rows are independent: a batch forward equals the rows run alone", () => {
  const model = initMambaModel(mambaConfig({ vocabSize: 12, dModel: 4, numLayers: 2 }), 3);
  const rows = [[1, 2, 3, 4], [11, 0, 5, 5]];
  const batched = lmForward(model, rows).logits;
  rows.forEach((row, b) => assert.deepEqual(lmForward(model, [row]).logits, batched.subarray(b * 48, (b + 1) * 48)));
});

test("overrides: set replaces, NaN keeps the computed value, scale multiplies", () => {
  const block = oddBlock();
  const [length, dInner, dState] = [5, 10, 3];
  const input = random.fill(length * 6, random.normal);
  const plain = mambaBlockForward(block, input, 1, length, { states: true });
  const set = new Float64Array(length * dInner).fill(NaN);
  set[2 * dInner + 4] = 0.7;
  const scale = new Float64Array(length * dInner).fill(1);
  scale[3 * dInner + 1] = 2;
  const changed = mambaBlockForward(block, input, 1, length, { overrides: { delta: { set, scale } } });
  const expected = Float64Array.from(plain.delta);
  expected[2 * dInner + 4] = 0.7;
  expected[3 * dInner + 1] *= 2;
  assert.deepEqual(changed.delta, expected);
  // Causality: tokens before the first override are untouched, later ones of that channel change.
  assert.deepEqual(changed.y.subarray(0, 2 * dInner), plain.y.subarray(0, 2 * dInner));
  assert.notEqual(changed.y[2 * dInner + 4], plain.y[2 * dInner + 4]);
  // h follows h_t = e^{Δ_t A} h_{t−1} + Δ_t B_t u_t for every token, channel and state.
  for (let i = 0; i < length * dInner * dState; i++) {
    const [t, c, n] = [Math.floor(i / (dInner * dState)), Math.floor(i / dState) % dInner, i % dState];
    const dt = plain.delta[t * dInner + c];
    const previous = t > 0 ? plain.states![i - dInner * dState] : 0;
    const expected = Math.exp(dt * plain.A[c * dState + n]) * previous + dt * plain.B[t * dState + n] * plain.u[t * dInner + c];
    assert.ok(Math.abs(plain.states![i] - expected) < 1e-12);
  }
});

test("overrides: Δ = 0 holds the state (skip the token), B = 0 leaves only the skip path, A scaled changes Ā", () => {
  const block = oddBlock();
  const [length, dInner, dState] = [6, 10, 3];
  const input = random.fill(length * 6, random.normal);
  const deltaSet = new Float64Array(length * dInner).fill(NaN);
  deltaSet.fill(0, 3 * dInner, 4 * dInner);
  const held = mambaBlockForward(block, input, 1, length, { overrides: { delta: { set: deltaSet } }, states: true });
  const stateSize = dInner * dState;
  assert.deepEqual(held.states!.subarray(3 * stateSize, 4 * stateSize), held.states!.subarray(2 * stateSize, 3 * stateSize));
  const silent = mambaBlockForward(block, input, 1, length, { overrides: { B: { scale: new Float64Array(length * dState) } } });
  assert.ok(silent.y.every((v) => v === 0));
  silent.yGated.forEach((v, i) => {
    const c = i % dInner;
    const z = silent.z[i];
    assert.ok(Math.abs(v - block.D[c] * silent.u[i] * (z / (1 + Math.exp(-z)))) < 1e-15);
  });
  const halfA = mambaBlockForward(block, input, 1, length, { overrides: { A: { scale: new Float64Array(dInner * dState).fill(0.5) } } });
  assert.ok(maxAbsDifference(halfA.A, Float64Array.from(block.ALog, (v) => -0.5 * Math.exp(v))) < 1e-15);
  assert.throws(
    () => mambaBlockForward(block, input, 1, length, { overrides: { C: { set: new Float64Array(4) } } }),
    (error: unknown) => error instanceof EngineError && error.message === "override C.set has 4 values, expected 18 (length × state)",
  );
});

test("overrides apply through the model per layer, shared by the batch rows", () => {
  const model = initMambaModel(mambaConfig({ vocabSize: 10, dModel: 4, numLayers: 2, dState: 2 }), 5);
  const ids = [[1, 2, 3], [4, 5, 6]];
  const set = Float64Array.from({ length: 3 * 8 }, (_, i) => (i % 8 === 0 ? 0.3 : NaN));
  const outputs = lmForward(model, ids, { overrides: [undefined, { delta: { set } }] });
  outputs.layers[1].delta.forEach((v, i) => assert.equal(v === 0.3, i % 8 === 0));
  assert.notEqual(outputs.layers[0].delta[0], 0.3);
});

test("official initialisation: S4D-Real A, D = 1, Δ bias log-uniform in [1e-3, 1e-1], dt_proj within ±R^-1/2, reproducible", () => {
  const dims = { dModel: 64, dInner: 128, dState: 16, dtRank: 4, convWidth: 4 };
  const block = initMambaBlock(dims, createRandom(1));
  for (let c = 0; c < 128; c++) for (let n = 0; n < 16; n++) assert.ok(Math.abs(-Math.exp(block.ALog[c * 16 + n]) + (n + 1)) < 1e-12);
  assert.ok(block.D.every((v) => v === 1));
  const deltas = Array.from(block.dtProjBias, softplus);
  assert.ok(deltas.every((d) => d >= 1e-3 * (1 - 1e-12) && d <= 0.1 * (1 + 1e-12)));
  const logDeltas = deltas.map(Math.log);
  const meanLog = logDeltas.reduce((s, v) => s + v, 0) / logDeltas.length;
  assert.ok(Math.abs(meanLog - (Math.log(1e-3) + Math.log(0.1)) / 2) < 0.4, "log-uniform, centred in log space");
  assert.ok(block.dtProj.every((v) => Math.abs(v) <= 0.5) && Math.max(...block.dtProj.map(Math.abs)) > 0.4);
  assert.ok(Math.abs(inverseSoftplus(softplus(0.3)) - 0.3) < 1e-14);
  assert.deepEqual(initMambaBlock(dims, createRandom(1)).xProj, block.xProj);
  assert.notDeepEqual(initMambaBlock(dims, createRandom(2)).xProj, block.xProj);
});

test("seeded random: same seed same stream, uniform in [0, 1), normal has mean 0 and variance 1", () => {
  const first = createRandom(42);
  const second = createRandom(42);
  const draws = first.fill(20000, first.uniform);
  assert.deepEqual(second.fill(20000, second.uniform), draws);
  assert.ok(draws.every((v) => v >= 0 && v < 1));
  assert.ok(Math.abs(draws.reduce((s, v) => s + v, 0) / draws.length - 0.5) < 0.01);
  const normals = first.fill(20000, first.normal);
  const mean = normals.reduce((s, v) => s + v, 0) / normals.length;
  const variance = normals.reduce((s, v) => s + (v - mean) ** 2, 0) / normals.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05);
});

test("safetensors round trip: F64 and F32 exact, F16 and BF16 rounded to nearest", () => {
  const values = [0, 1, -2.5, 1 / 3, 65504, 1e-7, -3.14159];
  const bytes = writeSafetensors({
    f64: { shape: [7], data: values, dtype: "F64" },
    f32: { shape: [7], data: values },
    f16: { shape: [7], data: values, dtype: "F16" },
    bf16: { shape: [1, 7], data: values, dtype: "BF16" },
  }, { note: "test" });
  assert.equal((new DataView(bytes.buffer).getUint32(0, true) + 8) % 8, 0, "header padded to 8 bytes");
  const file = readSafetensors(bytes);
  assert.deepEqual(file.metadata, { note: "test" });
  assert.deepEqual(Array.from(file.tensors.get("f64")!.decode()), values);
  assert.deepEqual(file.tensors.get("f32")!.decode(), Float32Array.from(values));
  assert.deepEqual(Array.from(file.tensors.get("f16")!.decode()), [0, 1, -2.5, 0.333251953125, 65504, 1.1920928955078125e-7, -3.140625]);
  assert.deepEqual(Array.from(file.tensors.get("bf16")!.decode()), [0, 1, -2.5, 0.333984375, 65536, 1.0011717677116394e-7, -3.140625]);
  assert.deepEqual(file.tensors.get("bf16")!.shape, [1, 7]);
});

test("a fresh model saved as F64 reloads exactly; as BF16 it reloads close", () => {
  const model = initMambaModel(mambaConfig({ vocabSize: 16, dModel: 8, numLayers: 2, useBias: true, convWidth: 3 }), 9);
  const ids = [[1, 5, 9, 15]];
  const reference = lmForward(model, ids).logits;
  const exact = saveMambaCheckpoint(model, "F64");
  assert.deepEqual(lmForward(loadMambaCheckpoint(exact.config, exact.weights), ids).logits, reference);
  const rounded = saveMambaCheckpoint(model, "BF16");
  const error = relativeError(lmForward(loadMambaCheckpoint(rounded.config, rounded.weights), ids).logits, reference);
  assert.ok(error > 0 && error < 1e-2);
});

test("config parsing: HF names, the official repository's names, time_step_rank auto", () => {
  const hf = parseMambaConfig({ hidden_size: 768, num_hidden_layers: 24, vocab_size: 50280, time_step_rank: "auto", intermediate_size: 1536 });
  assert.deepEqual([hf.dtRank, hf.dInner, hf.dState, hf.convWidth, hf.useConvBias, hf.useBias, hf.tieEmbeddings], [48, 1536, 16, 4, true, false, true]);
  const official = parseMambaConfig({ d_model: 768, n_layer: 24, vocab_size: 50277, pad_vocab_size_multiple: 8, ssm_cfg: {} });
  assert.deepEqual([official.vocabSize, official.dInner, official.numLayers, official.dtRank], [50280, 1536, 24, 48]);
  assert.throws(() => parseMambaConfig({ hidden_size: 8, num_hidden_layers: 1, vocab_size: 4, use_bias: "yes" }), /"use_bias" must be true or false/);
});
