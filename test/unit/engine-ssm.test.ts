/** Property tests (seeded random inputs) of the continuous SSM, discretisation, LTI kernel and scans. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  diagonalStepResponse,
  diagonalTrajectory,
  eigenvalues2x2,
  expm2x2,
  integrateRK4,
  phasePortrait,
  planarImpulseResponse,
  solvePlanar,
  type Matrix2,
  type PlanarSSM,
} from "../../src/engine/continuous.js";
import { discretise, exactContinuousPath, runRecurrence, simulateDiscrete, stability, zohOverEulerRatio, type DiagonalSSM } from "../../src/engine/discretise.js";
import { causalConvolveDirect, causalConvolveFFT, ltiKernel } from "../../src/engine/kernel.js";
import { expm } from "../../src/engine/matrix.js";
import { createRandom } from "../../src/engine/random.js";
import { SCAN_ALGORITHMS, combinePairs, scan, traceScan } from "../../src/engine/scans.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import { maxAbsDifference } from "./engine-helpers.js";

const random = createRandom(20240601);

function randomDiagonalSSM(modes: number): DiagonalSSM {
  return {
    a: random.fill(modes, () => -random.uniformIn(0.1, 3)),
    b: random.fill(modes, random.normal),
    c: random.fill(modes, random.normal),
  };
}

test("2×2 matrix exponential: closed form = scaling-and-squaring = RK4, for spirals, nodes, saddles, repeated eigenvalues", () => {
  const matrices: [Matrix2, string][] = [
    [[-0.3, -2, 2, -0.3], "stable spiral"],
    [[0.2, 1.5, -1.5, 0.2], "unstable spiral"],
    [[0, 1, -1, 0], "center"],
    [[-1, 0.5, 0, -2], "stable node"],
    [[1, 2, 2, 1], "saddle"],
    [[-1, 1, 0, -1], "stable node"],
  ];
  for (const [A, kind] of matrices) {
    assert.equal(phasePortrait(A), kind);
    for (const t of [0.1, 1, 3.7]) {
      const closed = expm2x2(A, t);
      const scale = Math.max(1, ...closed.map(Math.abs));
      assert.ok(maxAbsDifference(closed, expm(Float64Array.from(A, (v) => v * t), 2)) / scale < 1e-13);
      const h = integrateRK4((_, v) => Float64Array.of(A[0] * v[0] + A[1] * v[1], A[2] * v[0] + A[3] * v[1]), [1, 0], 0, t, 2000);
      assert.ok(maxAbsDifference(h, [closed[0], closed[2]]) / scale < 1e-9);
    }
  }
  const [first, second] = eigenvalues2x2([-0.3, -2, 2, -0.3]);
  assert.ok(Math.abs(first.re + 0.3) < 1e-15 && Math.abs(first.im - 2) < 1e-15 && second.im === -first.im);
});

test("planar solution with a held input, including a singular A, matches RK4; impulse response is e^{At}B", () => {
  const systems: PlanarSSM[] = [
    { A: [-0.5, -3, 3, -0.5], B: [1, -0.5], C: [0.3, 1] },
    { A: [0, 1, 0, 0], B: [0.2, 1], C: [1, 0] },
  ];
  for (const ssm of systems) {
    const { A, B } = ssm;
    const x = 0.8;
    const exact = solvePlanar(ssm, [0.4, -1], x, 2.5);
    const numeric = integrateRK4((_, h) => Float64Array.of(A[0] * h[0] + A[1] * h[1] + B[0] * x, A[2] * h[0] + A[3] * h[1] + B[1] * x), [0.4, -1], 0, 2.5, 4000);
    assert.ok(maxAbsDifference(exact, numeric) < 1e-10);
    const impulse = planarImpulseResponse(ssm, [1.3]);
    const e = expm2x2(A, 1.3);
    assert.ok(maxAbsDifference(impulse.states, [e[0] * B[0] + e[1] * B[1], e[2] * B[0] + e[3] * B[1]]) < 1e-14);
  }
});

test("diagonal solution matches RK4; the step response tends to −b/a", () => {
  const ssm = randomDiagonalSSM(4);
  const h0 = random.fill(4, random.normal);
  const exact = diagonalTrajectory(ssm, h0, 0.7, [1.9]);
  const numeric = integrateRK4((_, h) => h.map((v, n) => ssm.a[n] * v + ssm.b[n] * 0.7), h0, 0, 1.9, 2000);
  assert.ok(maxAbsDifference(exact.states, numeric) < 1e-10);
  const late = diagonalStepResponse(ssm, [200]).states;
  assert.ok(maxAbsDifference(late, Array.from(ssm.a, (a, n) => -ssm.b[n] / a)) < 1e-12);
});

test("ZOH is exact for piecewise-constant input (against RK4 on each held interval)", () => {
  const ssm = randomDiagonalSSM(3);
  const delta = 0.37;
  const inputs = random.fill(12, random.normal);
  const zoh = simulateDiscrete("zoh", ssm, delta, inputs);
  let h: Float64Array = new Float64Array(3);
  inputs.forEach((x, k) => {
    h = integrateRK4((_, v) => v.map((value, n) => ssm.a[n] * value + ssm.b[n] * x), h, 0, delta, 400);
    assert.ok(maxAbsDifference(zoh.states.subarray(3 * k, 3 * k + 3), h) < 1e-11, `step ${k}`);
  });
  const path = exactContinuousPath(ssm, delta, inputs, 5);
  assert.ok(maxAbsDifference(path.states.filter((_, i) => Math.floor(i / 3) % 5 === 4), zoh.states) < 1e-13);
});

test("Euler converges to the exact solution with first-order error as Δ → 0", () => {
  const ssm = randomDiagonalSSM(3);
  const horizon = 2;
  const errors = [0.1, 0.05, 0.025, 0.0125].map((delta) => {
    const steps = Math.round(horizon / delta);
    const inputs = new Float64Array(steps).fill(1);
    const euler = simulateDiscrete("euler", ssm, delta, inputs).outputs[steps - 1];
    const exact = diagonalStepResponse(ssm, [horizon]).outputs[0];
    return Math.abs(euler - exact);
  });
  for (let i = 1; i < errors.length; i++) {
    const ratio = errors[i - 1] / errors[i];
    assert.ok(ratio > 1.8 && ratio < 2.2, `error ratio ${ratio} when halving Δ`);
  }
  assert.ok(errors[3] < 0.02);
});

test("discretisation table: Ā, B̄ and stability verdicts of src/math.md#discretisation", () => {
  const a = -2;
  const b = 0.5;
  assert.deepEqual(discretise("euler", a, b, 0.1), { aBar: 1 - 0.2, bBar: 0.05 });
  const bilinear = discretise("bilinear", a, b, 0.1);
  assert.ok(Math.abs(bilinear.aBar - 0.9 / 1.1) < 1e-15 && Math.abs(bilinear.bBar - 0.05 / 1.1) < 1e-15);
  const zoh = discretise("zoh", a, b, 0.1);
  assert.ok(Math.abs(zoh.bBar - ((Math.exp(-0.2) - 1) / a) * b) < 1e-15);
  assert.equal(discretise("mamba", a, b, 0.1).bBar, 0.05);
  assert.equal(discretise("mamba", a, b, 0.1).aBar, zoh.aBar);
  assert.ok(Math.abs(zohOverEulerRatio(-0.001) - 0.9995) < 1e-4 && Math.abs(zohOverEulerRatio(-1) - 0.632) < 1e-3);
  // Euler: stable iff Δλ < 2, oscillating for 1 < Δλ < 2.
  assert.deepEqual([0.4, 0.75, 1.1].map((delta) => [stability("euler", a, delta).stable, stability("euler", a, delta).oscillating]), [
    [true, false],
    [true, true],
    [false, true],
  ]);
  assert.ok(stability("bilinear", a, 1e6).stable && stability("bilinear", a, 1e6).aBar < -0.999);
  for (const delta of [1e-3, 1, 1e3]) {
    const verdict = stability("zoh", a, delta);
    assert.ok(verdict.stable && !verdict.oscillating && verdict.aBar >= 0);
  }
});

test("LTI: convolution with K̄ = recurrence, directly and by FFT", () => {
  for (const length of [1, 7, 64, 100]) {
    const ssm = randomDiagonalSSM(5);
    const delta = random.uniformIn(0.01, 0.5);
    const inputs = random.fill(length, random.normal);
    const recurrence = simulateDiscrete("zoh", ssm, delta, inputs).outputs;
    const aBar = Array.from(ssm.a, (a) => Math.exp(a * delta));
    const bBar = Array.from(ssm.a, (a, n) => discretise("zoh", a, ssm.b[n], delta).bBar);
    const kernel = ltiKernel(aBar, bBar, ssm.c, length);
    assert.ok(maxAbsDifference(causalConvolveDirect(inputs, kernel), recurrence) < 1e-12);
    assert.ok(maxAbsDifference(causalConvolveFFT(inputs, kernel), recurrence) < 1e-12);
    assert.ok(maxAbsDifference(runRecurrence(aBar, bBar, ssm.c, inputs).outputs, recurrence) === 0);
  }
});

test("selective scan with Δ, B, C constant over time reduces to the LTI convolution", () => {
  const [channels, state, length] = [3, 4, 20];
  const A = random.fill(channels * state, () => -random.uniformIn(0.5, 2));
  const deltaPerChannel = random.fill(channels, () => random.uniformIn(0.05, 0.5));
  const bPerState = random.fill(state, random.normal);
  const cPerState = random.fill(state, random.normal);
  const u = random.fill(channels * length, random.normal);
  const outputs = selectiveScan({
    batch: 1,
    channels,
    length,
    state,
    u,
    delta: Float64Array.from({ length: channels * length }, (_, i) => deltaPerChannel[Math.floor(i / length)]),
    A,
    B: Float64Array.from({ length: state * length }, (_, i) => bPerState[Math.floor(i / length)]),
    C: Float64Array.from({ length: state * length }, (_, i) => cPerState[Math.floor(i / length)]),
    rule: "zoh",
  });
  for (let c = 0; c < channels; c++) {
    const a = A.subarray(c * state, (c + 1) * state);
    const aBar = Array.from(a, (v) => Math.exp(v * deltaPerChannel[c]));
    const bBar = Array.from(a, (v, n) => discretise("zoh", v, bPerState[n], deltaPerChannel[c]).bBar);
    const y = causalConvolveFFT(u.subarray(c * length, (c + 1) * length), ltiKernel(aBar, bBar, cPerState, length));
    assert.ok(maxAbsDifference(outputs.y.subarray(c * length, (c + 1) * length), y) < 1e-12);
  }
});

test("all scans agree on random pairs of every length, and report the expected work and depth", () => {
  for (let length = 1; length <= 40; length++) {
    const a = random.fill(length, () => random.uniformIn(-1.1, 1.1));
    const b = random.fill(length, random.normal);
    const expected = new Float64Array(length);
    let h = 0;
    for (let t = 0; t < length; t++) expected[t] = h = a[t] * h + b[t];
    for (const algorithm of SCAN_ALGORITHMS) {
      for (const chunkSize of [1, 3, 4, 8]) {
        assert.ok(maxAbsDifference(scan(algorithm, a, b, chunkSize), expected) < 1e-12, `${algorithm} L=${length} Q=${chunkSize}`);
      }
    }
  }
  const a = random.fill(16, random.uniform);
  const b = random.fill(16, random.normal);
  const sequential = traceScan("sequential", a, b);
  assert.deepEqual([sequential.work, sequential.depth], [15, 15]);
  const hillisSteele = traceScan("hillis-steele", a, b);
  assert.deepEqual([hillisSteele.work, hillisSteele.depth], [15 + 14 + 12 + 8, 4]);
  const blelloch = traceScan("blelloch", a, b);
  assert.deepEqual([blelloch.work, blelloch.depth], [15 + 15 + 16, 2 * 4 + 1]);
  assert.deepEqual(blelloch.rounds.map((r) => r.phase).slice(0, 5), ["up-sweep 1", "up-sweep 2", "up-sweep 4", "up-sweep 8", "down-sweep 8"]);
  const chunked = traceScan("chunked", a, b, 4);
  assert.deepEqual([chunked.work, chunked.depth], [4 * 10 + 3 + 9, 5]);
  // Every traced round holds valid partial prefixes; the last round's b are the states.
  assert.deepEqual(hillisSteele.rounds.at(-1)!.pairs.b, hillisSteele.states);
  assert.deepEqual(hillisSteele.rounds[0].combined.slice(0, 2), [
    { target: 1, source: 0 },
    { target: 2, source: 1 },
  ]);
});

test("Blelloch keeps the non-commutative order (a hand-computed case where the order matters)", () => {
  const a = [0.5, 2, -1, 3, 0.25];
  const b = [1, -1, 2, 0.5, 4];
  assert.notDeepEqual(combinePairs(a[0], b[0], a[1], b[1]), combinePairs(a[1], b[1], a[0], b[0]));
  assert.deepEqual(Array.from(scan("blelloch", a, b)), [1, 1, 1, 3.5, 4.875]);
});
