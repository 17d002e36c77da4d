/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) so that every figure and
 * every fresh model is reproducible from its seed, in Node and in the browser alike.
 */

export interface Random {
  /** Uniform in [0, 1), 53 random bits. */
  uniform(): number;
  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  integer(n: number): number;
  /** A Float64Array of `size` draws of `draw`. */
  fill(size: number, draw: () => number): Float64Array;
}

/** The generator for `seed` (any integer; the same seed gives the same sequence everywhere). */
export function createRandom(seed: number): Random {
  const state = seedState(seed);
  const next32 = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(state[1], 5), 7), 9) >>> 0;
    const shifted = state[1] << 9;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = rotateLeft(state[3], 11);
    return result;
  };
  const uniform = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
  const normal = (): number => {
    // 1 − uniform() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    return radius * Math.cos(2 * Math.PI * uniform());
  };
  return {
    uniform,
    uniformIn: (low, high) => low + (high - low) * uniform(),
    normal,
    integer: (n) => Math.floor(uniform() * n),
    fill: (size, draw) => {
      const values = new Float64Array(size);
      for (let i = 0; i < size; i++) values[i] = draw();
      return values;
    },
  };
}

function rotateLeft(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32 expands one seed into the four non-zero words xoshiro needs. */
function seedState(seed: number): Uint32Array {
  const state = new Uint32Array(4);
  let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    state[i] = (z ^ (z >>> 16)) >>> 0;
  }
  if (state.every((w) => w === 0)) state[0] = 1;
  return state;
}
