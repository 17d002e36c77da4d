/**
 * The CPU trainer behind `npm run train`: its hand-written backward pass against finite differences,
 * its float32 forward against the float64 reference engine, and the LTI variant's constancy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { initMambaModel, mambaConfig } from "../../src/engine/init.js";
import { lmForward } from "../../src/engine/model.js";
import { DEFAULT_SELECTIVE_COPYING, generateSelectiveCopying } from "../../src/engine/tasks/selective-copying.js";
import { readFileSync } from "node:fs";
import { makeLti } from "../../src/cli/training/lti.js";
import { logitsAt, lossAndGradients, mixerKey } from "../../src/cli/training/mamba-lm.js";
import { toReferenceModel, toTrainable } from "../../src/cli/training/params.js";

const SMALL_TASK = { ...DEFAULT_SELECTIVE_COPYING, contextLength: 12 };

test("backward pass matches central finite differences for every parameter", () => {
  const trainable = toTrainable(initMambaModel(mambaConfig({ vocabSize: 10, dModel: 8, dState: 4, numLayers: 2 }), 3));
  const { config, params } = trainable;
  const data = generateSelectiveCopying(SMALL_TASK, 3, 5);
  const loss = () => lossAndGradients(config, params, data.inputIds, data.batch, data.length, data.answerPositions, data.answers);
  const { grads } = loss();
  for (const key of Object.keys(params)) {
    for (const i of [0, Math.floor(params[key].length / 2), params[key].length - 1]) {
      const saved = params[key][i];
      const step = 2e-3 * Math.max(1, Math.abs(saved));
      params[key][i] = saved + step;
      const above = loss().loss;
      params[key][i] = saved - step;
      const below = loss().loss;
      params[key][i] = saved;
      const numeric = (above - below) / (2 * step);
      // float32 forward: the difference quotient carries ~1e-4 of rounding noise plus O(step²)
      // curvature, hence an absolute floor of 5e-4 beside the 3% relative tolerance.
      const difference = Math.abs(numeric - grads[key][i]);
      const relative = difference / (Math.abs(numeric) + Math.abs(grads[key][i]) + 1e-12);
      assert.ok(difference < 5e-4 || relative < 0.03, `${key}[${i}]: analytic ${grads[key][i]}, numeric ${numeric}`);
    }
  }
});

test("trainer forward (float32) matches the reference engine (float64) on the committed models", () => {
  for (const name of ["selective-copying-selective", "selective-copying-lti"]) {
    const folder = `data/models/${name}`;
    const model = loadMambaCheckpoint(JSON.parse(readFileSync(`${folder}/config.json`, "utf8")), readFileSync(`${folder}/model.safetensors`));
    const trainable = toTrainable(model);
    const data = generateSelectiveCopying(DEFAULT_SELECTIVE_COPYING, 4, 11);
    const positions = Array.from({ length: data.length }, (_, t) => t);
    const ours = logitsAt(trainable.config, trainable.params, data.inputIds, data.batch, data.length, positions);
    const ids = Array.from({ length: 4 }, (_, b) => Array.from(data.inputIds.subarray(b * data.length, (b + 1) * data.length)));
    const reference = lmForward(model, ids).logits;
    const worst = reference.reduce((m, v, i) => Math.max(m, Math.abs(v - ours[i])), 0);
    assert.ok(worst < 1e-4, `${name}: max logit difference ${worst}`);
  }
});

test("LTI form: Δ, B and C are the same for every token, in the trainer's model and in the saved one", () => {
  const trainable = toTrainable(initMambaModel(mambaConfig({ vocabSize: 10, dModel: 8, dState: 4, numLayers: 2 }), 4));
  const masks = makeLti(trainable.config, trainable.params);
  assert.equal(masks[mixerKey(0, "x_proj.weight")].filter((v) => v === 1).length, (1 + 2 * 4) * 1, "only x_proj's constant column trains");
  const data = generateSelectiveCopying(SMALL_TASK, 2, 9);
  const ids = Array.from({ length: 2 }, (_, b) => Array.from(data.inputIds.subarray(b * data.length, (b + 1) * data.length)));
  const { layers } = lmForward(toReferenceModel(trainable), ids);
  for (const layer of layers) {
    for (const name of ["delta", "B", "C"] as const) {
      const values = layer[name];
      const width = values.length / (2 * data.length);
      for (let i = width; i < values.length; i++) assert.ok(Math.abs(values[i] - values[i % width]) < 1e-12, `${name} varies with the token`);
    }
  }
  // The selective model's Δ does vary: the check above can fail.
  const selective = lmForward(initMambaModel(mambaConfig({ vocabSize: 10, dModel: 8, dState: 4, numLayers: 2 }), 4), ids);
  assert.notEqual(selective.layers[0].delta[0], selective.layers[0].delta[selective.layers[0].delta.length - 1]);
});
