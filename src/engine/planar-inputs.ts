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
 * The exact step of length dt with the input held at x: h ↦ E h + F x, with E = e^{A dt} and
 * F = ∫_0^dt e^{Aτ} dτ B, read off three exact solves. Returns (h, x) → h after dt.
 */
function heldStep(ssm: PlanarSSM, dt: number): (h: Vector2, x: number) => Vector2 {
  const [e11, e21] = solvePlanar(ssm, [1, 0], 0, dt);
  const [e12, e22] = solvePlanar(ssm, [0, 1], 0, dt);
  const [f1, f2] = solvePlanar(ssm, [0, 0], 1, dt);
  return (h, x) => [e11 * h[0] + e12 * h[1] + f1 * x, e21 * h[0] + e22 * h[1] + f2 * x];
}

/** heldStep memoised by dt: evenly spaced samples need one or two matrix exponentials, not one per sample. */
function stepCache(ssm: PlanarSSM): (dt: number) => (h: Vector2, x: number) => Vector2 {
  const cache = new Map<number, (h: Vector2, x: number) => Vector2>();
  return (dt) => {
    let step = cache.get(dt);
    if (!step) cache.set(dt, (step = heldStep(ssm, dt)));
    return step;
  };
}

/**
 * h(t) for a piecewise-constant input (pieces in order, contiguous from t = 0), sampled at ascending
 * `times` (samples) from h(0) = h0: the state is carried exactly from sample to sample, split at
 * every piece boundary in between, each stretch with its held input. Past the last piece the input is 0.
 * States (samples, 2), outputs (samples).
 */
export function planarPiecewiseResponse(ssm: PlanarSSM, h0: Vector2, pieces: readonly Piece[], times: ArrayLike<number>): Trajectory {
  const trajectory = { states: new Float64Array(times.length * 2), outputs: new Float64Array(times.length) };
  const step = stepCache(ssm);
  let h = h0;
  let t = 0;
  let piece = 0;
  for (let i = 0; i < times.length; i++) {
    while (t < times[i]) {
      while (piece < pieces.length && t >= pieces[piece].start + pieces[piece].duration) piece++;
      const end = piece < pieces.length ? Math.min(times[i], pieces[piece].start + pieces[piece].duration) : times[i];
      // Rounding of t near a boundary must not produce a sliver step: snap to the target time.
      const dt = Math.abs(end - times[i]) < 1e-12 ? times[i] - t : end - t;
      h = step(Number(dt.toPrecision(12)))(h, piece < pieces.length ? pieces[piece].value : 0);
      t = t + dt;
      if (Math.abs(t - times[i]) < 1e-12) t = times[i];
    }
    store(trajectory, ssm, i, h);
  }
  return trajectory;
}

/**
 * h(t) for x(t) = amplitude · sin(ω t) from h(0) = h0: with s = sin ωt and c = cos ωt,
 *   d/dt [h1, h2, s, c] = [[a11, a12, b1·amp, 0], [a21, a22, b2·amp, 0], [0, 0, 0, ω], [0, 0, −ω, 0]] [h1, h2, s, c],
 * so [h, s, c](t) = e^{Mt} [h0, 0, 1], carried from sample to sample by e^{M dt} (memoised by dt).
 * States (times, 2), outputs (times).
 */
export function planarSineResponse(ssm: PlanarSSM, h0: Vector2, amplitude: number, omega: number, times: ArrayLike<number>): Trajectory {
  const { A, B } = ssm;
  const trajectory = { states: new Float64Array(times.length * 2), outputs: new Float64Array(times.length) };
  const generator = [A[0], A[1], B[0] * amplitude, 0, A[2], A[3], B[1] * amplitude, 0, 0, 0, 0, omega, 0, 0, -omega, 0];
  const propagators = new Map<number, Float64Array>();
  let z = [h0[0], h0[1], 0, 1];
  let t = 0;
  for (let i = 0; i < times.length; i++) {
    const dt = Number((times[i] - t).toPrecision(12));
    let e = propagators.get(dt);
    if (!e) propagators.set(dt, (e = expm(Float64Array.from(generator, (v) => v * dt), 4)));
    const propagator = e;
    z = [0, 1, 2, 3].map((row) => propagator[4 * row] * z[0] + propagator[4 * row + 1] * z[1] + propagator[4 * row + 2] * z[2] + propagator[4 * row + 3] * z[3]);
    t = times[i];
    store(trajectory, ssm, i, [z[0], z[1]]);
  }
  return trajectory;
}
