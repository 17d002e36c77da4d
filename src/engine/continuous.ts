/**
 * The continuous SSM h'(t) = A h(t) + B x(t), y(t) = C h(t) (src/math.md#continuous), solved exactly for a
 * diagonal A (independent leaky integrators) and for a general 2 × 2 A (the matrix exponential, whose
 * complex eigenvalues give spirals), plus sampling helpers for plots and an RK4 integrator used as an
 * independent check.
 */
import { zohOverEulerRatio, type DiagonalSSM, type Trajectory } from "./discretise.js";
import { expm } from "./matrix.js";

/** Row-major [a11, a12, a21, a22]. */
export type Matrix2 = readonly [number, number, number, number];
export type Vector2 = readonly [number, number];

export interface Complex {
  re: number;
  im: number;
}

/** A two-dimensional SSM h' = A h + B x, y = C·h. */
export interface PlanarSSM {
  A: Matrix2;
  B: Vector2;
  C: Vector2;
}

/** The eigenvalues s ± √q of A, with s = tr/2 and q = s² − det (complex when q < 0), larger real part first. */
export function eigenvalues2x2(A: Matrix2): [Complex, Complex] {
  const s = (A[0] + A[3]) / 2;
  const q = s * s - (A[0] * A[3] - A[1] * A[2]);
  if (q >= 0) return [{ re: s + Math.sqrt(q), im: 0 }, { re: s - Math.sqrt(q), im: 0 }];
  return [{ re: s, im: Math.sqrt(-q) }, { re: s, im: -Math.sqrt(-q) }];
}

export type PhasePortrait = "stable node" | "unstable node" | "saddle" | "stable spiral" | "unstable spiral" | "center" | "degenerate";

/** The kind of fixed point at the origin of h' = A h, read from the eigenvalues. */
export function phasePortrait(A: Matrix2): PhasePortrait {
  const [first, second] = eigenvalues2x2(A);
  if (first.im !== 0) return first.re < 0 ? "stable spiral" : first.re > 0 ? "unstable spiral" : "center";
  if (first.re === 0 || second.re === 0) return "degenerate";
  if (first.re > 0 && second.re < 0) return "saddle";
  return first.re < 0 ? "stable node" : "unstable node";
}

/**
 * e^{At} in closed form (Cayley–Hamilton): e^{At} = e^{st} [c(t) I + S(t) (A − sI)] with s = tr/2,
 * q = s² − det and (c, S) = (cosh μt, sinh(μt)/μ) for q = μ² > 0, (cos ωt, sin(ωt)/ω) for q = −ω² < 0,
 * (1, t) for q = 0.
 */
export function expm2x2(A: Matrix2, t: number): Matrix2 {
  const s = (A[0] + A[3]) / 2;
  const q = s * s - (A[0] * A[3] - A[1] * A[2]);
  let c = 1;
  let S = t;
  if (q > 0) {
    const mu = Math.sqrt(q);
    c = Math.cosh(mu * t);
    S = Math.sinh(mu * t) / mu;
  } else if (q < 0) {
    const omega = Math.sqrt(-q);
    c = Math.cos(omega * t);
    S = Math.sin(omega * t) / omega;
  }
  const scale = Math.exp(s * t);
  return [scale * (c + S * (A[0] - s)), scale * S * A[1], scale * S * A[2], scale * (c + S * (A[3] - s))];
}

/**
 * h(t) for h(0) = h0 and the input held at x: h(t) = e^{At} h0 + (∫_0^t e^{Aτ} dτ) B x.
 * The integral is the top-right block of exp([[A, B], [0, 0]] t), which stays exact when A is singular.
 */
export function solvePlanar(ssm: PlanarSSM, h0: Vector2, x: number, t: number): Vector2 {
  const { A, B } = ssm;
  const augmented = Float64Array.from([A[0], A[1], B[0] * x, A[2], A[3], B[1] * x, 0, 0, 0].map((v) => v * t));
  const e = expm(augmented, 3);
  return [e[0] * h0[0] + e[1] * h0[1] + e[2], e[3] * h0[0] + e[4] * h0[1] + e[5]];
}

/** Samples of a planar run: states (times, 2) and outputs y = C·h (times). */
function samplePlanar(ssm: PlanarSSM, times: ArrayLike<number>, stateAt: (t: number) => Vector2): Trajectory {
  const states = new Float64Array(times.length * 2);
  const outputs = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const h = stateAt(times[i]);
    states[2 * i] = h[0];
    states[2 * i + 1] = h[1];
    outputs[i] = ssm.C[0] * h[0] + ssm.C[1] * h[1];
  }
  return { states, outputs };
}

/** Free response from h0 (x = 0) at each time. */
export function planarTrajectory(ssm: PlanarSSM, h0: Vector2, times: ArrayLike<number>, x = 0): Trajectory {
  return samplePlanar(ssm, times, (t) => solvePlanar(ssm, h0, x, t));
}

/** Impulse response: h(t) = e^{At} B, y = C e^{At} B. */
export function planarImpulseResponse(ssm: PlanarSSM, times: ArrayLike<number>): Trajectory {
  return samplePlanar(ssm, times, (t) => {
    const e = expm2x2(ssm.A, t);
    return [e[0] * ssm.B[0] + e[1] * ssm.B[1], e[2] * ssm.B[0] + e[3] * ssm.B[1]];
  });
}

/** Step response (x = 1 from t = 0, h(0) = 0). */
export function planarStepResponse(ssm: PlanarSSM, times: ArrayLike<number>): Trajectory {
  return samplePlanar(ssm, times, (t) => solvePlanar(ssm, [0, 0], 1, t));
}

/** Arrows of the vector field h' = A h + B x on a `count` × `count` grid over [min, max]². */
export function planarVectorField(
  ssm: PlanarSSM,
  x: number,
  range: { min: number; max: number; count: number },
): { h1: number; h2: number; dh1: number; dh2: number }[] {
  const arrows = [];
  const { A, B } = ssm;
  for (const h1 of linspace(range.min, range.max, range.count)) {
    for (const h2 of linspace(range.min, range.max, range.count)) {
      arrows.push({ h1, h2, dh1: A[0] * h1 + A[1] * h2 + B[0] * x, dh2: A[2] * h1 + A[3] * h2 + B[1] * x });
    }
  }
  return arrows;
}

/** `count` evenly spaced points from start to end inclusive. */
export function linspace(start: number, end: number, count: number): Float64Array {
  const points = new Float64Array(count);
  for (let i = 0; i < count; i++) points[i] = count === 1 ? start : start + ((end - start) * i) / (count - 1);
  return points;
}

/**
 * Diagonal A: mode n evolves alone, h_n(t) = e^{a_n t} h0_n + (e^{a_n t} − 1)/a_n · b_n x for the
 * input held at x. States (times, state), outputs y = c·h (times).
 */
export function diagonalTrajectory(ssm: DiagonalSSM, h0: ArrayLike<number>, x: number, times: ArrayLike<number>): Trajectory {
  const modes = ssm.a.length;
  const states = new Float64Array(times.length * modes);
  const outputs = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    for (let n = 0; n < modes; n++) {
      const decay = Math.exp(ssm.a[n] * t);
      const h = decay * h0[n] + t * zohOverEulerRatio(ssm.a[n] * t) * ssm.b[n] * x;
      states[i * modes + n] = h;
      outputs[i] += ssm.c[n] * h;
    }
  }
  return { states, outputs };
}

/** Impulse response of a diagonal SSM: h_n(t) = e^{a_n t} b_n. */
export function diagonalImpulseResponse(ssm: DiagonalSSM, times: ArrayLike<number>): Trajectory {
  return diagonalTrajectory(ssm, ssm.b, 0, times);
}

/** Step response of a diagonal SSM: h_n(t) = (e^{a_n t} − 1)/a_n · b_n. */
export function diagonalStepResponse(ssm: DiagonalSSM, times: ArrayLike<number>): Trajectory {
  return diagonalTrajectory(ssm, new Float64Array(ssm.a.length), 1, times);
}

/**
 * Classical fourth-order Runge–Kutta for h' = f(t, h) from t0 to t1 in `steps` equal steps; global
 * error O(step⁴). Used to check the closed forms independently.
 */
export function integrateRK4(
  derivative: (t: number, h: Float64Array) => Float64Array,
  h0: ArrayLike<number>,
  t0: number,
  t1: number,
  steps: number,
): Float64Array {
  const dt = (t1 - t0) / steps;
  let h = Float64Array.from(h0);
  const shifted = (k: Float64Array, factor: number) => h.map((v, i) => v + factor * k[i]);
  for (let i = 0; i < steps; i++) {
    const t = t0 + i * dt;
    const k1 = derivative(t, h);
    const k2 = derivative(t + dt / 2, shifted(k1, dt / 2));
    const k3 = derivative(t + dt / 2, shifted(k2, dt / 2));
    const k4 = derivative(t + dt, shifted(k3, dt));
    h = h.map((v, j) => v + (dt / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
  }
  return h;
}
