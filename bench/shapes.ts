/** The benchmark shapes of issue 4 and the helpers every benchmark entry point shares. */
import { selectiveScan } from "../src/engine/selective-scan.js";
import type { SelectiveScanInputs } from "../src/engine/types.js";
import { maxRelativeError } from "../src/engine/gpu/relative-error.js";

export interface BenchShape {
  B: number;
  L: number;
  D: number;
  N: number;
}

export const ALL_SHAPES: readonly BenchShape[] = [
  { B: 1, L: 256, D: 64, N: 16 },
  { B: 1, L: 1024, D: 256, N: 16 },
  { B: 1, L: 2048, D: 1536, N: 16 },
  { B: 8, L: 4096, D: 1536, N: 16 },
];

/** One result row, the format of `npm run bench -- --json`. */
export interface BenchRow {
  impl: "fused" | "naive-tfjs" | "plain-loop";
  backend: string;
  device: string;
  B: number;
  L: number;
  D: number;
  N: number;
  /** Median milliseconds per scan after warm-up. */
  ms: number;
  /** Against the float64 reference (on a subset of channels for large shapes); null when not checked. */
  maxRelErr: number | null;
  /** First call minus the median: shader compilation and first uploads. */
  compileMs?: number;
  /** How `ms` was measured. */
  timing?: string;
  runs?: number;
  note?: string;
}

/** "1x1024x256x16,..." → shapes. */
export function parseShapes(text: string): BenchShape[] {
  return text.split(",").map((item) => {
    const parts = item.split("x").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 1)) {
      throw new Error(`bad shape "${item}": expected BxLxDxN with positive integers, e.g. 1x1024x256x16`);
    }
    const [B, L, D, N] = parts;
    return { B, L, D, N };
  });
}

export const shapeLabel = ({ B, L, D, N }: BenchShape) => `(${B}, ${L}, ${D}, ${N})`;

/** Fills `array` with uniform values in [low, high) from a xorshift32 stream (fast enough for 50M values). */
function fillUniform(array: Float32Array, seed: number, low: number, high: number): Float32Array {
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < array.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    array[i] = low + ((state >>> 0) / 4294967296) * (high - low);
  }
  return array;
}

/** A synthetic scan in the golden layout with Mamba-like ranges (Δ in (0.001, 0.1·e), A = −(n+1)). */
export function benchInputs({ B, L, D, N }: BenchShape): SelectiveScanInputs & { u: Float32Array; delta: Float32Array; A: Float32Array; B: Float32Array; C: Float32Array; D: Float32Array; z: Float32Array } {
  const tokens = B * D * L;
  return {
    batch: B,
    channels: D,
    length: L,
    state: N,
    u: fillUniform(new Float32Array(tokens), 1, -1, 1),
    delta: fillUniform(new Float32Array(tokens), 2, 0.001, 0.3),
    A: Float32Array.from({ length: D * N }, (_, i) => -((i % N) + 1)),
    B: fillUniform(new Float32Array(B * N * L), 3, -1, 1),
    C: fillUniform(new Float32Array(B * N * L), 4, -1, 1),
    D: new Float32Array(D).fill(1),
    z: fillUniform(new Float32Array(tokens), 5, -2, 2),
    rule: "mamba",
  };
}

/** The first `count` channels of every batch row of a golden-layout scan (channels are independent). */
function channelSubset(inputs: SelectiveScanInputs, count: number): SelectiveScanInputs {
  const { batch, channels, length, state } = inputs;
  if (count >= channels) return inputs;
  const rows = (values: ArrayLike<number>) => {
    const out = new Float64Array(batch * count * length);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < count; c++) {
        for (let t = 0; t < length; t++) out[(b * count + c) * length + t] = values[(b * channels + c) * length + t];
      }
    }
    return out;
  };
  return {
    ...inputs,
    channels: count,
    u: rows(inputs.u),
    delta: rows(inputs.delta),
    z: inputs.z ? rows(inputs.z) : undefined,
    A: Float64Array.from(inputs.A).subarray(0, count * state),
    D: inputs.D ? Float64Array.from(inputs.D).subarray(0, count) : undefined,
  };
}

/**
 * max relative error of `out` (golden layout) against the float64 reference, computed on at most
 * `maxChannels` channels per batch row to keep the reference affordable at the largest shapes.
 */
export function checkAgainstReference(inputs: SelectiveScanInputs, out: ArrayLike<number>, maxChannels = 128): number {
  return referenceChecker(inputs, maxChannels)(out);
}

/** checkAgainstReference with the reference computed once, for checking many kernels' outputs. */
export function referenceChecker(inputs: SelectiveScanInputs, maxChannels = 128): (out: ArrayLike<number>) => number {
  const subset = channelSubset(inputs, maxChannels);
  const expected = selectiveScan(subset).yGated;
  const { batch, channels, length } = inputs;
  return (out) => {
    const got = new Float64Array(expected.length);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < subset.channels; c++) {
        for (let t = 0; t < length; t++) got[(b * subset.channels + c) * length + t] = out[(b * channels + c) * length + t];
      }
    }
    return maxRelativeError(got, expected);
  };
}

/** Bytes the scan must move at least: u, Δ, z in and out back (4 · B·D·L floats), B and C in, the final state out. */
export function trafficFloorBytes({ B, L, D, N }: BenchShape): number {
  return 4 * (4 * B * D * L + 2 * B * N * L + B * D * N + 2 * D * N + D);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
