/** The naive per-timestep tfjs loop (on tfjs's CPU backend) against the float64 reference scan. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { createRandom } from "../../src/engine/random.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import { naiveScanTf } from "../../src/engine/gpu/naive-scan.js";
import type { SelectiveScanInputs } from "../../src/engine/types.js";

before(async () => {
  await tf.setBackend("cpu");
});

function randomCase(batch: number, channels: number, length: number, state: number): SelectiveScanInputs {
  const random = createRandom(batch * 1000 + length);
  const draw = (size: number, low: number, high: number) => random.fill(size, () => random.uniformIn(low, high));
  return {
    batch, channels, length, state,
    u: draw(batch * channels * length, -1, 1),
    delta: draw(batch * channels * length, 0.01, 1),
    A: draw(channels * state, -3, -0.2),
    B: draw(batch * state * length, -1, 1),
    C: draw(batch * state * length, -1, 1),
    rule: "mamba",
  };
}

test("the naive loop reproduces the reference y (batch 2, 3 channels, 9 tokens, 5 states)", () => {
  const inputs = randomCase(2, 3, 9, 5);
  const got = naiveScanTf(inputs);
  assert.deepEqual(got.shape, [2, 3, 9]);
  const values = got.dataSync();
  const expected = selectiveScan(inputs).yNoSkipNoGate;
  let worst = 0;
  values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]))));
  assert.ok(worst < 1e-5, `max difference ${worst}`);
});

test("the naive loop rejects the zoh rule with a message instead of computing something else", () => {
  assert.throws(() => naiveScanTf({ ...randomCase(1, 1, 2, 1), rule: "zoh" }), /only the "mamba" rule/);
});
