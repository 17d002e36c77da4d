/**
 * The whole model on a tfjs backend (src/engine/gpu/lm-forward.ts) against HF's golden logits and the
 * float64 reference, on tfjs's CPU backend in Node (the browser tests run it on WebGPU and WebGL), and the
 * CPU backend's linear kernel (linear-cpu.ts) against the reference's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { mambaBlockForward } from "../../src/engine/block.js";
import { lmForward } from "../../src/engine/model.js";
import { rmsNorm } from "../../src/engine/layers.js";
import { createGpuEngine } from "../../src/engine/gpu/engine.js";
import { disposeModel, gpuLmForward, uploadModel } from "../../src/engine/gpu/lm-forward.js";
import { linearFloat32 } from "../../src/engine/gpu/linear-cpu.js";
import { linear } from "../../src/engine/layers.js";
import { createRandom } from "../../src/engine/random.js";
import { loadCharModelDirectory } from "../../src/cli/char-commands.js";
import { GOLDEN, LM_CASES, maxAbsDifference, readGoldenJson, REPO_ROOT, relativeError } from "./engine-helpers.js";

test("gpuLmForward reproduces HF's logits within the float32 tolerance on every golden model", async () => {
  await createGpuEngine({ backend: "cpu" });
  for (const name of LM_CASES) {
    const folder = join(GOLDEN, name);
    const model = loadMambaCheckpoint(JSON.parse(readFileSync(join(folder, "config.json"), "utf8")), readFileSync(join(folder, "model.safetensors")));
    const golden = readGoldenJson(name, "case.json");
    const uploaded = uploadModel(model);
    const row: number[] = golden.input_ids[0];
    const vocab = model.config.vocabSize;
    const result = await gpuLmForward(uploaded, row);
    assert.ok(relativeError(result.logits, golden.logits.data.slice(0, row.length * vocab)) < 1e-4, name);
    disposeModel(uploaded);
  }
});

test("the inspected layer's Δ, B, C and overrides match the reference", async () => {
  await createGpuEngine({ backend: "cpu" });
  const folder = join(GOLDEN, "lm-tiny");
  const model = loadMambaCheckpoint(JSON.parse(readFileSync(join(folder, "config.json"), "utf8")), readFileSync(join(folder, "model.safetensors")));
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const { dInner, dState } = model.config;
  const overrides = { delta: { scale: new Float64Array(ids.length * dInner).fill(3) }, C: { scale: new Float64Array(ids.length * dState).fill(-1) } };
  const uploaded = uploadModel(model);
  const result = await gpuLmForward(uploaded, ids, { inspectLayer: 1, overrides });
  const reference = lmForward(model, [ids], { overrides: [undefined, overrides] });
  assert.ok(relativeError(result.logits, reference.logits) < 1e-4);
  const layerInput = rmsNorm(reference.residuals[1], ids.length, model.layers[1].norm, model.config.normEpsilon);
  const block = mambaBlockForward(model.layers[1].mixer, layerInput, 1, ids.length, { overrides });
  for (const key of ["delta", "B", "C", "output"] as const) assert.ok(relativeError(result.layer![key], block[key]) < 1e-4, key);
  const plain = await gpuLmForward(uploaded, ids);
  assert.ok(relativeError(plain.logits, lmForward(model, [ids]).logits) < 1e-4);
  assert.ok(maxAbsDifference(plain.logits, reference.logits) > 2e-4, "the overrides must change the logits");
  await assert.rejects(gpuLmForward(uploaded, [1, 99]), /outside the vocabulary/);
  disposeModel(uploaded);
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
  await createGpuEngine({ backend: "cpu" });
  const { model } = loadCharModelDirectory(join(REPO_ROOT, "data/models/char-selective"));
  const fixture = JSON.parse(readFileSync(join(REPO_ROOT, "test/fixtures/char-lm/selective.json"), "utf8"));
  const uploaded = uploadModel(model);
  for (const { prompt, ids, logits } of fixture.prompts) {
    const result = await gpuLmForward(uploaded, ids);
    assert.ok(relativeError(result.logits, logits.data) <= 1e-4, `${prompt}: ${relativeError(result.logits, logits.data)}`);
  }
  disposeModel(uploaded);
});
