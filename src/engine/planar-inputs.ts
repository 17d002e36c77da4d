/**
 * Exact responses of the planar SSM h' = A h + B x, y = C·h (continuous.ts) to the inputs of
 * signals.ts: piece by piece for a piecewise-constant input, and through a larger linear system for
 * a sine (the sine is itself the solution of s' = ω c, c' = −ω s, so [h, s, c] evolves by one matrix
 * exponential). No time stepping: every sample is exact up to float64 rounding.
 */
import { solvePlanar, type PlanarSSM, type Vector2 } from "./continuous.js";
import type { Trajectory } from "./discretise.js";
import { expm } from "./matrix.js";
import type { Piece } from "./signals.js";

/** Writes state h and output C·h into sample i of a trajectory. */
function store(trajectory: Trajectory, ssm: PlanarSSM, i: number, h: Vector2): void {
  trajectory.states[2 * i] = h[0];
  trajectory.states[2 * i + 1] = h[1];
  trajectory.outputs[i] = ssm.C[0] * h[0] + ssm.C[1] * h[1];
}

/**
 * h(t) for a piecewise-constant input (pieces in order, contiguous from t = 0), sampled at ascending
 * `times` (samples): within a piece, h(t) = e^{A(t−s)} h(s) + ∫ e^{Aτ} dτ B x from the piece's start s.
 * Past the last piece the input is 0. States (samples, 2), outputs (samples).
 */
export function planarPiecewiseResponse(ssm: PlanarSSM, h0: Vector2, pieces: readonly Piece[], times: ArrayLike<number>): Trajectory {
  const trajectory = { states: new Float64Array(times.length * 2), outputs: new Float64Array(times.length) };
  let piece = 0;
  let start = 0;
  let hStart: Vector2 = h0;
  for (let i = 0; i < times.length; i++) {
    // Advance to the piece that holds times[i], carrying the state across each boundary exactly.
    while (piece < pieces.length && times[i] >= start + pieces[piece].duration) {
      hStart = solvePlanar(ssm, hStart, pieces[piece].value, pieces[piece].duration);
      start += pieces[piece].duration;
      piece++;
    }
    const x = piece < pieces.length ? pieces[piece].value : 0;
    store(trajectory, ssm, i, solvePlanar(ssm, hStart, x, times[i] - start));
  }
  return trajectory;
}

/**
 * h(t) for x(t) = amplitude · sin(ω t) from h(0) = h0: with s = sin ωt and c = cos ωt,
 *   d/dt [h1, h2, s, c] = [[a11, a12, b1·amp, 0], [a21, a22, b2·amp, 0], [0, 0, 0, ω], [0, 0, −ω, 0]] [h1, h2, s, c],
 * so [h, s, c](t) = e^{Mt} [h0, 0, 1]. States (times, 2), outputs (times).
 */
export function planarSineResponse(ssm: PlanarSSM, h0: Vector2, amplitude: number, omega: number, times: ArrayLike<number>): Trajectory {
  const { A, B } = ssm;
  const trajectory = { states: new Float64Array(times.length * 2), outputs: new Float64Array(times.length) };
  const generator = [A[0], A[1], B[0] * amplitude, 0, A[2], A[3], B[1] * amplitude, 0, 0, 0, 0, omega, 0, 0, -omega, 0];
  for (let i = 0; i < times.length; i++) {
    const e = expm(Float64Array.from(generator, (v) => v * times[i]), 4);
    // Column 3 of e^{Mt} applied to c(0) = 1, columns 0, 1 to h0; s(0) = 0.
    store(trajectory, ssm, i, [e[0] * h0[0] + e[1] * h0[1] + e[3], e[4] * h0[0] + e[5] * h0[1] + e[7]]);
  }
  return trajectory;
}
