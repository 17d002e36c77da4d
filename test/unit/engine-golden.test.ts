/** The float64 engine against HuggingFace's outputs in test/fixtures/golden (README tolerances). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadMambaCheckpoint, saveMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { lmForward } from "../../src/engine/model.js";
import { GOLDEN_LAYER_FIELDS, hiddenStates, readScanOutputs } from "../../src/engine/golden-format.js";
import { parseScanCase } from "../../src/engine/scan-case.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import { FLOAT64_TOLERANCE, GOLDEN, LM_CASES, SCAN_CASES, readGoldenJson, relativeError } from "./engine-helpers.js";

function loadGoldenModel(name: string) {
  return loadMambaCheckpoint(readGoldenJson(name, "config.json"), readFileSync(join(GOLDEN, name, "model.safetensors")));
}

for (const name of LM_CASES) {
  test(`${name}: logits, residual stream and every layer's intermediates match HuggingFace`, () => {
    const golden = readGoldenJson(name, "case.json");
    const outputs = lmForward(loadGoldenModel(name), golden.input_ids);
    assert.deepEqual([outputs.batch, outputs.length, outputs.logits.length / (outputs.batch * outputs.length)], golden.logits.shape);
    assert.ok(relativeError(outputs.logits, golden.logits.data) <= FLOAT64_TOLERANCE, "logits");
    const residuals = hiddenStates(outputs);
    assert.equal(residuals.length, golden.hidden_states.length);
    golden.hidden_states.forEach((hidden: { data: number[] }, i: number) => {
      assert.ok(relativeError(residuals[i], hidden.data) <= FLOAT64_TOLERANCE, `hidden_states[${i}]`);
    });
    assert.equal(outputs.layers.length, golden.layers.length);
    golden.layers.forEach((layer: Record<string, { data: number[] }>, i: number) => {
      for (const [goldenName, engineName] of Object.entries(GOLDEN_LAYER_FIELDS)) {
        const error = relativeError(outputs.layers[i][engineName], layer[goldenName].data);
        assert.ok(error <= FLOAT64_TOLERANCE, `layer ${i} ${goldenName}: relative error ${error}`);
      }
    });
    // HF's float32 run agrees to float32 precision only, a check that the float64 logits are the ones meant.
    assert.ok(relativeError(outputs.logits, golden.logits_float32_model.data) <= 1e-4);
  });
}

test("lm-bias-large-delta: the exact ZOH B̄ changes the logits visibly, Mamba's ΔB matches", () => {
  const golden = readGoldenJson("lm-bias-large-delta", "case.json");
  const model = loadGoldenModel("lm-bias-large-delta");
  assert.ok(relativeError(lmForward(model, golden.input_ids, { rule: "zoh" }).logits, golden.logits.data) > 1e-3);
});

for (const name of SCAN_CASES) {
  test(`${name}: selective scan matches out (yGated), y_no_skip_no_gate (y) and final_state`, () => {
    const golden = readGoldenJson("scan", `${name}.json`);
    const inputs = parseScanCase(golden);
    assert.equal(inputs.rule, name.endsWith("zoh") ? "zoh" : "mamba");
    const outputs = selectiveScan(inputs);
    const expected = readScanOutputs(golden);
    for (const field of ["yGated", "y", "finalState"] as const) {
      assert.ok(relativeError(outputs[field], expected[field]) <= FLOAT64_TOLERANCE, field);
    }
  });
}

test("scan rule matters: the zoh case run with Mamba's rule misses its golden output", () => {
  const golden = readGoldenJson("scan", "scan-batch-zoh.json");
  const outputs = selectiveScan({ ...parseScanCase(golden), rule: "mamba" });
  assert.ok(relativeError(outputs.yGated, readScanOutputs(golden).yGated) > 1e-6);
});

test("a golden checkpoint saved again (F32) and reloaded gives identical logits", () => {
  const golden = readGoldenJson("lm-odd-shapes", "case.json");
  const model = loadGoldenModel("lm-odd-shapes");
  const saved = saveMambaCheckpoint(model);
  const reloaded = loadMambaCheckpoint(saved.config, saved.weights);
  assert.deepEqual(lmForward(reloaded, golden.input_ids).logits, lmForward(model, golden.input_ids).logits);
});
