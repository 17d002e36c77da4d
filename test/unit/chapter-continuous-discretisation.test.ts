/**
 * The engine modules behind chapters 1 and 2: exact planar responses to piecewise-constant and sine
 * inputs (checked against RK4), the input signals, and the discretisation error sweep (orders of
 * convergence, ZOH exact for held input, Euler's blow-up threshold Δλ = 2).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { integrateRK4, type PlanarSSM } from "../../src/engine/continuous.js";
import { convergenceOrder, discretisationError, errorSweep, exactAtSamples, heldSamples, logSpace } from "../../src/engine/discretisation-error.js";
import { planarPiecewiseResponse, planarSineResponse } from "../../src/engine/planar-inputs.js";
import { SIGNAL_PERIOD, signalPieces, signalValue } from "../../src/engine/signals.js";

const spiral: PlanarSSM = { A: [-0.3, -2, 2, -0.3], B: [1, 0.5], C: [1, -1] };

/** RK4 of h' = A h + B x(t) from h(0) = 0 to t, many small steps. */
function rk4(ssm: PlanarSSM, x: (t: number) => number, t: number, steps = 4000): Float64Array {
  const { A, B } = ssm;
  return integrateRK4((s, h) => Float64Array.of(A[0] * h[0] + A[1] * h[1] + B[0] * x(s), A[2] * h[0] + A[3] * h[1] + B[1] * x(s)), [0, 0], 0, t, steps);
}

/** RK4 of h' = A h + B x for a constant x over a duration, from h. */
function rk4From(ssm: PlanarSSM, h0: ArrayLike<number>, x: number, duration: number): Float64Array {
  const { A, B } = ssm;
  return integrateRK4((_, h) => Float64Array.of(A[0] * h[0] + A[1] * h[1] + B[0] * x, A[2] * h[0] + A[3] * h[1] + B[1] * x), h0, 0, duration, 1000);
}

test("sine input: the 4×4 exponential matches RK4 at several times", () => {
  const omega = (2 * Math.PI) / SIGNAL_PERIOD;
  const times = [0.5, 3.7, 9];
  const { states, outputs } = planarSineResponse(spiral, [0, 0], 1, omega, times);
  times.forEach((t, i) => {
    const reference = rk4(spiral, (s) => Math.sin(omega * s), t);
    assert.ok(Math.abs(states[2 * i] - reference[0]) < 1e-9 && Math.abs(states[2 * i + 1] - reference[1]) < 1e-9, `t = ${t}`);
    assert.ok(Math.abs(outputs[i] - (reference[0] - reference[1])) < 1e-9);
  });
});

test("piecewise-constant input: square wave and token stream match RK4 run piece by piece", () => {
  for (const name of ["square", "tokens"] as const) {
    const pieces = signalPieces(name, 10);
    assert.ok(pieces);
    const times = [0.25, 2, 5.5, 9.99];
    const { states } = planarPiecewiseResponse(spiral, [0, 0], pieces, times);
    times.forEach((t, i) => {
      // RK4 piece by piece, with the input constant on each, up to t.
      let h: ArrayLike<number> = [0, 0];
      for (const piece of pieces.filter((p) => p.start < t)) {
        const end = Math.min(t, piece.start + piece.duration);
        h = rk4From(spiral, h, piece.value, end - piece.start);
      }
      assert.ok(Math.abs(states[2 * i] - h[0]) < 1e-9 && Math.abs(states[2 * i + 1] - h[1]) < 1e-9, `${name} at t = ${t}: ${states[2 * i]} vs ${h[0]}`);
    });
  }
});

test("signal pieces agree with the signal's values and cover the horizon", () => {
  for (const name of ["step", "square", "tokens"] as const) {
    const pieces = signalPieces(name, 7.5)!;
    assert.equal(pieces.reduce((s, p) => s + p.duration, 0), 7.5);
    for (const piece of pieces) assert.equal(signalValue(name, piece.start + piece.duration / 2), piece.value);
  }
  assert.equal(signalPieces("sine", 4), undefined);
});

const mode = { a: [-1.3], b: [1], c: [1] };
const sine = (t: number) => Math.sin((2 * Math.PI * t) / SIGNAL_PERIOD);

test("error vs Δ: Euler and Mamba first order, bilinear second order, ZOH at float64 rounding", () => {
  const deltas = logSpace(1e-3, 1e-2, 4);
  const sweep = errorSweep(mode, sine, 4, deltas);
  assert.ok(Math.abs(convergenceOrder(deltas, sweep.euler) - 1) < 0.05, `Euler order ${convergenceOrder(deltas, sweep.euler)}`);
  assert.ok(Math.abs(convergenceOrder(deltas, sweep.mamba) - 1) < 0.05);
  assert.ok(Math.abs(convergenceOrder(deltas, sweep.bilinear) - 2) < 0.05, `bilinear order ${convergenceOrder(deltas, sweep.bilinear)}`);
  for (const error of sweep.zoh) assert.ok(error < 1e-13, `ZOH error ${error}`);
});

test("the exact reference at the samples equals the closed-form sum over held pieces", () => {
  const delta = 0.7;
  const inputs = heldSamples(sine, delta, 6);
  const exact = exactAtSamples(mode, delta, inputs);
  const a = mode.a[0];
  inputs.forEach((_, k) => {
    let h = 0;
    for (let j = 0; j <= k; j++) h += Math.exp(a * (k - j) * delta) * (Math.expm1(a * delta) / a) * inputs[j];
    assert.ok(Math.abs(exact[k] - h) < 1e-13);
  });
});

test("Euler blows up past Δλ = 2 while ZOH stays bounded", () => {
  const lambda = 1.3;
  const stepInput = (delta: number) => heldSamples(() => 1, delta, 200);
  const below = discretisationError("euler", mode, 1.95 / lambda, stepInput(1.95 / lambda));
  const above = discretisationError("euler", mode, 2.05 / lambda, stepInput(2.05 / lambda));
  assert.ok(below < 2, `below threshold the error stays small: ${below}`);
  assert.ok(above > 100 * below, `above threshold the error grows: ${above}`);
  assert.ok(discretisationError("zoh", mode, 2.05 / lambda, stepInput(2.05 / lambda)) < 1e-12);
});

test("overlay figure data: ZOH's samples are the exact curve's values at t_k; a diverging run is pinned once, then cut", async () => {
  const { overlay, pinToRange } = await import("../../src/components/discretisation/figures.js");
  const shown = overlay(5, 0.5, "step");
  const exactAtSampleTimes = exactAtSamples({ a: [-5], b: [5], c: [1] }, 0.5, heldSamples(() => 1, 0.5, 12));
  shown.samples.zoh.forEach((h, k) => assert.ok(Math.abs(h - exactAtSampleTimes[k]) < 1e-12));
  const euler = shown.series.find((s) => s.name === "Euler")!;
  const drawn = Array.from(euler.y).filter(Number.isFinite);
  assert.ok(drawn.length < euler.y.length, "Euler (Δλ = 2.5) must leave the plot");
  assert.equal(Math.abs(drawn[drawn.length - 1]), shown.yDomain[1]);
  assert.deepEqual(Array.from(pinToRange([0, 1, 5, -9, 1], -2, 2)), [0, 1, 2, NaN, NaN]);
});
