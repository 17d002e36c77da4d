/** Shared by the engine tests: golden fixtures and the README's error measure. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const GOLDEN = fileURLToPath(new URL("../fixtures/golden/", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const LM_CASES = ["lm-tiny", "lm-bias-large-delta", "lm-odd-shapes"] as const;
export const SCAN_CASES = ["scan-small-mamba", "scan-small-zoh", "scan-batch-mamba", "scan-batch-zoh"] as const;
/** The golden README's tolerance for a float64 implementation. */
export const FLOAT64_TOLERANCE = 1e-9;

export interface GoldenTensor {
  shape: number[];
  data: number[];
}

export function readGoldenJson(...path: string[]): any {
  return JSON.parse(readFileSync(join(GOLDEN, ...path), "utf8"));
}

/** max |a − b| / max(1, max |b|), the README's relative error; Infinity when the lengths differ. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let difference = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return Number.isNaN(difference) ? Infinity : difference / scale;
}

/** Max |a − b| over all elements (Infinity on length mismatch or NaN). */
export function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
  return Number.isNaN(difference) ? Infinity : difference;
}

/**
 * A copy of safetensors `bytes` whose header JSON went through `transform` (data section kept), and
 * whose length field says `headerLength(actual)` (default: the actual length).
 */
export function rewriteSafetensorsHeader(
  bytes: Uint8Array,
  transform: (header: Record<string, any>) => Record<string, any>,
  headerLength: (actual: number) => bigint = (actual) => BigInt(actual),
): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const oldLength = Number(view.getBigUint64(0, true));
  const header = transform(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + oldLength))));
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(8 + oldLength);
  const result = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(result.buffer).setBigUint64(0, headerLength(headerBytes.length), true);
  result.set(headerBytes, 8);
  result.set(data, 8 + headerBytes.length);
  return result;
}
