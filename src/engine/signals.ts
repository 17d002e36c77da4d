/**
 * Input signals x(t) for the continuous and discretised SSM pages, each a pure function of time so the
 * exact solution, the discretised runs and the plots all read the same input. The piecewise-constant
 * ones (step, square wave, token stream) also list their pieces, which is what the exact solvers need.
 */
import { createRandom } from "./random.js";

export type SignalName = "impulse" | "step" | "sine" | "square" | "tokens";

export const SIGNAL_NAMES: readonly SignalName[] = ["impulse", "step", "sine", "square", "tokens"];

/** One piece of a piecewise-constant input: x(t) = value on [start, start + duration). */
export interface Piece {
  start: number;
  duration: number;
  value: number;
}

/** Period of the sine and the square wave, and the duration of one token, in seconds. */
export const SIGNAL_PERIOD = 4;
export const TOKEN_DURATION = 1;

/**
 * The noisy token stream: one value per token, held for TOKEN_DURATION — a few "important" tokens
 * (value ≈ 1) in a stream of small noise, reproducible from the seed.
 */
export function tokenValues(count: number, seed = 7): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: count }, (_, k) => (k % 5 === 1 ? 1 : 0) + 0.25 * random.normal());
}

/**
 * The pieces of a piecewise-constant signal over [0, horizon). The impulse and the sine are not
 * piecewise constant and return undefined (their exact solutions are computed differently).
 */
export function signalPieces(name: SignalName, horizon: number): Piece[] | undefined {
  const cut = (width: number, valueAt: (index: number) => number): Piece[] =>
    Array.from({ length: Math.ceil(horizon / width) }, (_, i) => ({ start: i * width, duration: Math.min(width, horizon - i * width), value: valueAt(i) }));
  switch (name) {
    case "step":
      return [{ start: 0, duration: horizon, value: 1 }];
    case "square":
      return cut(SIGNAL_PERIOD / 2, (i) => (i % 2 === 0 ? 1 : -1));
    case "tokens": {
      const values = tokenValues(Math.ceil(horizon / TOKEN_DURATION));
      return cut(TOKEN_DURATION, (i) => values[i]);
    }
    default:
      return undefined;
  }
}

/** x(t) for t ≥ 0. The impulse is δ(t): 0 for every t > 0 (its effect is the jump h(0⁺) = B). */
export function signalValue(name: SignalName, t: number): number {
  switch (name) {
    case "impulse":
      return 0;
    case "step":
      return 1;
    case "sine":
      return Math.sin((2 * Math.PI * t) / SIGNAL_PERIOD);
    case "square":
      return Math.floor((2 * t) / SIGNAL_PERIOD) % 2 === 0 ? 1 : -1;
    case "tokens":
      return tokenValues(Math.floor(t / TOKEN_DURATION) + 1)[Math.floor(t / TOKEN_DURATION)];
  }
}
