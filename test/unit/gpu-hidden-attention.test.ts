/**
 * The tfjs hidden attention matrices, their summary and Mamba-2's quadratic and chunked forms
 * (src/engine/gpu/hidden-attention.ts) on tfjs's CPU backend in float32 (the same ops run on WebGL and
 * WebGPU in the page's browser test), against the float64 reference.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { EngineError } from "../../src/engine/errors.js";
import { channelOfLayer, channelOfScan, hiddenAttention, layerSummary, scalarDecayScan, scalarDecayVariant, scanChannel, type LayerScan } from "../../src/engine/hidden-attention.js";
import { hiddenAttentionTf, layerSummaryTf, segmentSumsTf, ssdChunkedTf, ssdQuadraticTf } from "../../src/engine/gpu/hidden-attention.js";
import { randomScanCase } from "../../src/engine/scan-case.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import type { BRule, SelectiveScanInputs } from "../../src/engine/types.js";
import { relativeError } from "./engine-helpers.js";

/** Float32 against float64: max |a − b| / max(1, max |b|). */
const FLOAT32 = 1e-5;

before(async () => {
  await tf.setBackend("cpu");
});

/** A random layer (token-major) from a random scan case. */
function randomLayer(channels: number, length: number, state: number, rule: BRule, seed: number): LayerScan {
  const inputs = randomScanCase({ batch: 1, channels, length, state }, rule, seed, false);
  const tokenMajor = (values: ArrayLike<number>, width: number) => Float64Array.from({ length: length * width }, (_, i) => values[(i % width) * length + Math.floor(i / width)]);
  return { length, channels, state, u: tokenMajor(inputs.u, channels), delta: tokenMajor(inputs.delta, channels), A: inputs.A, B: tokenMajor(inputs.B, state), C: tokenMajor(inputs.C, state), rule };
}

test("segment sums: S[r,t,s] = Σ_{s<i≤t} x[r,i]", () => {
  const sums = tf.tidy(() => segmentSumsTf(tf.tensor2d([[0.5, 1, 2, 4]])).arraySync());
  assert.deepEqual(sums, [[[0, 0, 0, 0], [1, 0, 0, 0], [3, 2, 0, 0], [7, 6, 4, 0]]]);
});

for (const rule of ["mamba", "zoh"] as const) {
  test(`rule ${rule}: M of every channel and the channel summary match the float64 reference`, () => {
    const layer = randomLayer(5, 29, 7, rule, rule === "mamba" ? 3 : 4);
    const [matrices, summary] = tf.tidy(() => {
      const m = hiddenAttentionTf(layer);
      return [m.dataSync(), layerSummaryTf(m).dataSync()];
    });
    const L = layer.length;
    for (let c = 0; c < layer.channels; c++) {
      const expected = hiddenAttention(channelOfLayer(layer, c));
      const error = relativeError(matrices.subarray(c * L * L, (c + 1) * L * L), expected);
      assert.ok(error < FLOAT32, `channel ${c}: ${error}`);
    }
    assert.ok(relativeError(summary, layerSummary(layer)) < FLOAT32);
  });
}

/** A scan case whose channels each have one scalar A (the mean of the random per-state A). */
function scalarCase(channels: number, length: number, state: number, rule: BRule, seed: number): SelectiveScanInputs {
  const original = randomScanCase({ batch: 1, channels, length, state }, rule, seed, false);
  const inputs = scalarDecayScan(original);
  for (let c = 0; c < channels; c++) assert.ok(Math.abs(inputs.A[c * state] - scalarDecayVariant(channelOfScan(original, c)).a) < 1e-15);
  return inputs;
}

for (const rule of ["mamba", "zoh"] as const) {
  test(`rule ${rule}: the quadratic and the chunked form equal the scan (chunk sizes 1, 3, 8, 37, 50 for L = 37)`, () => {
    const inputs = scalarCase(4, 37, 6, rule, 9);
    const expected = selectiveScan(inputs).y;
    const quadratic = tf.tidy(() => ssdQuadraticTf(inputs).dataSync());
    assert.ok(relativeError(quadratic, expected) < FLOAT32, `quadratic: ${relativeError(quadratic, expected)}`);
    for (const chunkSize of [1, 3, 8, 37, 50]) {
      const chunked = tf.tidy(() => ssdChunkedTf(inputs, chunkSize).dataSync());
      assert.equal(chunked.length, expected.length);
      assert.ok(relativeError(chunked, expected) < FLOAT32, `Q = ${chunkSize}: ${relativeError(chunked, expected)}`);
    }
    // The float64 channel view agrees too.
    assert.ok(relativeError(quadratic.subarray(0, 37), scanChannel(channelOfScan(inputs, 0))) < FLOAT32);
  });
}

test("the dual forms refuse per-state A and bad chunk sizes with one-line messages; nothing leaks", () => {
  const before = tf.memory().numTensors;
  const perState = randomScanCase({ batch: 1, channels: 2, length: 5, state: 3 }, "mamba", 1, false);
  assert.throws(() => ssdQuadraticTf(perState), (error: unknown) => error instanceof EngineError && /scalar A per channel; channel 0/.test(error.message));
  assert.throws(() => ssdChunkedTf(scalarCase(2, 5, 3, "mamba", 1), 0), EngineError);
  assert.throws(() => hiddenAttentionTf({ ...randomLayer(2, 5, 3, "mamba", 1), B: new Float64Array(2) }), /B has 2 values, expected 15/);
  assert.equal(tf.memory().numTensors, before);
});
