/** The naive per-timestep tfjs loop (on tfjs's CPU backend) against the float64 reference scan. */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { createRandom } from "../../src/engine/random.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import { naiveSelectiveScan } from "../../src/engine/gpu/naive-scan.js";

before(async () => {
  await tf.setBackend("cpu");
});

test("the naive loop reproduces the reference output with skip and gate (batch 2, 9 tokens, 3 channels, 5 states)", () => {
  const [batch, length, channels, state] = [2, 9, 3, 5];
  const random = createRandom(17);
  const draw = (size: number, low: number, high: number) => random.fill(size, () => random.uniformIn(low, high));
  // Token-major (batch, length, ·) for the naive loop; the reference takes (batch, ·, length).
  const u = draw(batch * length * channels, -1, 1);
  const delta = draw(batch * length * channels, 0.01, 1);
  const z = draw(batch * length * channels, -2, 2);
  const A = draw(channels * state, -3, -0.2);
  const B = draw(batch * length * state, -1, 1);
  const C = draw(batch * length * state, -1, 1);
  const D = draw(channels, -1, 1);
  const swap = (values: Float64Array, inner: number) =>
    Float64Array.from({ length: values.length }, (_, i) => {
      const b = Math.floor(i / (inner * length));
      const k = Math.floor(i / length) % inner;
      const t = i % length;
      return values[(b * length + t) * inner + k];
    });
  const expected = selectiveScan({ batch, channels, length, state, u: swap(u, channels), delta: swap(delta, channels), z: swap(z, channels), A, B: swap(B, state), C: swap(C, state), D, rule: "mamba" }).yGated;
  const t3 = (values: Float64Array, inner: number) => tf.tensor3d(Float32Array.from(values), [batch, length, inner]);
  const got = naiveSelectiveScan(t3(u, channels), t3(delta, channels), tf.tensor2d(Float32Array.from(A), [channels, state]), t3(B, state), t3(C, state), tf.tensor1d(Float32Array.from(D)), t3(z, channels));
  assert.deepEqual(got.shape, [batch, length, channels]);
  const gotChannelsFirst = swap(Float64Array.from(got.dataSync()), channels);
  let worst = 0;
  gotChannelsFirst.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]))));
  assert.ok(worst < 1e-5, `max difference ${worst}`);
});
