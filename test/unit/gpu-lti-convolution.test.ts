/**
 * The tfjs convolutions and attention layer on tfjs's CPU backend (the same ops run on WebGL and
 * WebGPU in the browser test of the convolution-scan page), against the float64 reference.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { causalConvolveDirect, ltiKernel } from "../../src/engine/kernel.js";
import { createRandom } from "../../src/engine/random.js";
import { attentionForward, initAttention } from "../../src/engine/gpu/attention.js";
import { causalConvolveDirectTf, causalConvolveFFTTf } from "../../src/engine/gpu/lti-convolution.js";

before(async () => {
  await tf.setBackend("cpu");
});

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

for (const length of [1, 5, 37, 64]) {
  test(`direct and FFT convolution on tfjs match the float64 reference (L = ${length})`, () => {
    const random = createRandom(length);
    const x = random.fill(length, () => random.normal());
    const aBar = random.fill(4, () => random.uniformIn(0.5, 0.99));
    const bBar = random.fill(4, () => random.uniformIn(-0.5, 0.5));
    const c = random.fill(4, () => random.normal());
    const kernel = ltiKernel(aBar, bBar, c, length);
    const expected = causalConvolveDirect(x, kernel);
    const [direct, viaFFT] = tf.tidy(() => {
      const xs = tf.tensor1d(Float32Array.from(x));
      const ks = tf.tensor1d(Float32Array.from(kernel));
      return [causalConvolveDirectTf(xs, ks).dataSync(), causalConvolveFFTTf(xs, ks).dataSync()];
    });
    assert.equal(direct.length, length);
    assert.ok(maxAbsDifference(direct, expected) < 1e-5, `direct ${maxAbsDifference(direct, expected)}`);
    assert.ok(maxAbsDifference(viaFFT, expected) < 1e-5, `fft ${maxAbsDifference(viaFFT, expected)}`);
  });
}

test("the convolution is causal: y_k does not move when a later input does", () => {
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const later = Float32Array.from([1, 2, 3, 40, 50, 60]);
  const kernel = tf.tensor1d([0.5, 0.25, 0.125, 0.0625, 0.03, 0.01]);
  for (const convolve of [causalConvolveDirectTf, causalConvolveFFTTf]) {
    const a = convolve(tf.tensor1d(x), kernel).dataSync();
    const b = convolve(tf.tensor1d(later), kernel).dataSync();
    assert.ok(maxAbsDifference(a.slice(0, 3), b.slice(0, 3)) < 1e-5);
    assert.ok(Math.abs(a[3] - b[3]) > 1);
  }
});

test("attention: one token attends only to itself (Y = X W_v W_o), and later tokens never change earlier outputs", () => {
  const weights = initAttention(4, createRandom(2));
  const x = Float32Array.from([0.3, -1, 0.5, 2]);
  const single = attentionForward(tf.tensor2d(x, [1, 4]), weights).dataSync();
  const expected = tf.matMul(tf.matMul(tf.tensor2d(x, [1, 4]), tf.tensor2d(weights.value, [4, 4])), tf.tensor2d(weights.output, [4, 4])).dataSync();
  assert.ok(maxAbsDifference(single, expected) < 1e-6);
  const random = createRandom(3);
  const sequence = Float32Array.from(random.fill(5 * 4, () => random.normal()));
  const changed = sequence.slice();
  changed.fill(7, 12);
  const a = attentionForward(tf.tensor2d(sequence, [5, 4]), weights).dataSync();
  const b = attentionForward(tf.tensor2d(changed, [5, 4]), weights).dataSync();
  assert.ok(maxAbsDifference(a.slice(0, 12), b.slice(0, 12)) < 1e-6);
  assert.ok(maxAbsDifference(a.slice(12), b.slice(12)) > 1e-3);
  assert.ok(a.every(Number.isFinite));
});
