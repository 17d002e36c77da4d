/**
 * The GPU engine (src/engine/gpu/engine.ts) against the float64 reference engine, every field of every
 * layer, on the golden checkpoints and a character model, on tfjs's CPU backend in Node (the browser
 * tests run the same comparison on WebGPU and WebGL): ≤ 1e-4 relative, with overrides, h per token and
 * step decoding. And HF's golden logits, PyTorch's logits of the character model, and the CPU backend's
 * linear kernel (linear-cpu.ts) against the reference's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import type { Engine } from "../../src/engine/engine.js";
import { createGpuEngine } from "../../src/engine/gpu/engine.js";
import { linearFloat32 } from "../../src/engine/gpu/linear-cpu.js";
import { linear } from "../../src/engine/layers.js";
import { createRandom } from "../../src/engine/random.js";
import { loadCharModelDirectory } from "../../src/cli/char-commands.js";
import { createReferenceEngine } from "../../src/engine/reference-engine.js";
import { modelRunDifferences, worstDifference } from "../../src/engine/run-difference.js";
import type { MambaModel } from "../../src/engine/types.js";
import { GOLDEN, LM_CASES, maxAbsDifference, readGoldenJson, REPO_ROOT, relativeError } from "./engine-helpers.js";

const TOLERANCE = 1e-4;
const reference = createReferenceEngine();
let gpu: Engine;
before(async () => {
  gpu = await createGpuEngine("cpu");
});

function goldenModel(name: string): MambaModel {
  const folder = join(GOLDEN, name);
  return loadMambaCheckpoint(JSON.parse(readFileSync(join(folder, "config.json"), "utf8")), readFileSync(join(folder, "model.safetensors")));
}

for (const name of LM_CASES) {
  test(`${name}: every field of the GPU engine's run equals the reference's, and the logits HF's`, async () => {
    const model = goldenModel(name);
    const golden = readGoldenJson(name, "case.json");
    const options = { statesOf: [0, model.config.numLayers - 1] };
    const run = await gpu.runModel(model, golden.input_ids, options);
    const expected = await reference.runModel(model, golden.input_ids, options);
    const differences = modelRunDifferences(run, expected);
    assert.equal(differences.filter((d) => d.field === "states").length, new Set(options.statesOf).size, "h per token of the layers asked for");
    const worst = worstDifference(differences);
    assert.ok(worst.relative <= TOLERANCE, `${worst.field} of layer ${worst.layer}: ${worst.relative}`);
    assert.ok(relativeError(run.logits, golden.logits.data) <= TOLERANCE);
    gpu.release(model);
  });
}

test("overrides in one layer: the GPU engine follows the reference in every field, and they change the logits", async () => {
  const model = goldenModel("lm-tiny");
  const ids = [[3, 1, 4, 1, 5, 9, 2, 6]];
  const { dInner, dState } = model.config;
  const length = ids[0].length;
  const set = new Float64Array(length * dState).fill(NaN);
  set.fill(0, 2 * dState, 3 * dState);
  const overrides = [undefined, { delta: { scale: new Float64Array(length * dInner).fill(3) }, B: { set }, C: { scale: new Float64Array(length * dState).fill(-1) }, A: { scale: new Float64Array(dInner * dState).fill(0.5) } }];
  const run = await gpu.runModel(model, ids, { overrides });
  const worst = worstDifference(modelRunDifferences(run, await reference.runModel(model, ids, { overrides })));
  assert.ok(worst.relative <= TOLERANCE, `${worst.field} of layer ${worst.layer}: ${worst.relative}`);
  const plain = await gpu.runModel(model, ids);
  assert.ok(maxAbsDifference(plain.logits, run.logits) > 2e-4, "the overrides must change the logits");
  await assert.rejects(gpu.runModel(model, [[1, 99]]), /outside the vocabulary/);
});

test("the GPU decoder reads one token at a time like the reference's lmStep, and resumes from a saved state", async () => {
  const model = goldenModel("lm-odd-shapes");
  const ids = [5, 0, 3, 3, 1, 7];
  const gpuDecoder = gpu.decoder(model);
  const referenceDecoder = reference.decoder(model);
  for (const id of ids) {
    const [got, expected] = [await gpuDecoder.step(id), await referenceDecoder.step(id)];
    assert.ok(relativeError(got, expected) <= TOLERANCE);
  }
  assert.equal(gpuDecoder.position, ids.length);
  const saved = await referenceDecoder.state();
  const fresh = gpu.decoder(model);
  fresh.reset(saved, ids.length);
  assert.ok(relativeError(await fresh.step(2), await referenceDecoder.step(2)) <= TOLERANCE);
  const gpuState = await gpuDecoder.state();
  assert.ok(relativeError(gpuState[0].h, saved[0].h) <= TOLERANCE);
  assert.throws(() => fresh.reset([]), /state has 0 layers/);
  gpuDecoder.dispose();
  fresh.dispose();
});

test("moving between weights keeps GPU memory bounded: the oldest uploads are released", async () => {
  const models = Array.from({ length: 8 }, () => goldenModel("lm-tiny"));
  const ids = [[1, 2, 3]];
  const counts: number[] = [];
  for (const model of models) {
    await gpu.runModel(model, ids);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts.slice(4)).size, 1, `tensors after each new model: ${counts.join(", ")}`);
});

test("the CPU backend's linear loop equals the reference's on shapes that fill no register block", () => {
  const random = createRandom(11);
  for (const [rows, outFeatures, inFeatures, withBias] of [[1, 1, 1, true], [3, 5, 7, false], [7, 97, 33, true], [256, 1024, 256, false]] as const) {
    const values = (count: number) => Float32Array.from({ length: count }, () => random.uniform() - 0.5);
    const [x, weight, bias] = [values(rows * inFeatures), values(outFeatures * inFeatures), withBias ? values(outFeatures) : undefined];
    const got = linearFloat32(x, rows, weight, outFeatures, inFeatures, bias);
    assert.ok(relativeError(got, linear(x, rows, weight, bias, inFeatures, outFeatures)) < 1e-6, `${rows} × ${inFeatures} → ${outFeatures}`);
  }
});

test("char-selective on the CPU backend gives PyTorch's logits for the three prompts to 1e-4", async () => {
  const { model } = loadCharModelDirectory(join(REPO_ROOT, "data/models/char-selective"));
  const fixture = JSON.parse(readFileSync(join(REPO_ROOT, "test/fixtures/char-lm/selective.json"), "utf8"));
  for (const { prompt, ids, logits } of fixture.prompts) {
    const run = await gpu.runModel(model, [ids]);
    assert.ok(relativeError(run.logits, logits.data) <= TOLERANCE, `${prompt}: ${relativeError(run.logits, logits.data)}`);
  }
  gpu.release(model);
});
