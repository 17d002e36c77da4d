/**
 * Where each element of a selective scan's inputs lives in its flat buffer. The kernels read every
 * buffer through these strides (passed as uniforms), so the same compiled kernel serves the golden
 * layout of a standalone scan and the token-major layout of the block without a transpose.
 */
import type { SelectiveScanInputs } from "../types.js";

/**
 * "channels-first": u, Δ, z (batch, channels, length) and B, C (batch, state, length), the layout of
 * the official CUDA kernel and of the golden scan cases.
 * "tokens-first": u, Δ, z (batch, length, channels) and B, C (batch, length, state), what the block's
 * projections produce.
 */
export type ScanLayoutName = "channels-first" | "tokens-first";

/** Sizes of one scan: batch, channels (Di), length (L), state (N). */
export interface ScanSizes {
  batch: number;
  channels: number;
  length: number;
  state: number;
}

/** Flat-index strides: x = u, Δ, z and the outputs; bc = B and C. */
export interface ScanStrides {
  xBatch: number;
  xChannel: number;
  xTime: number;
  bcBatch: number;
  bcState: number;
  bcTime: number;
}

/** The strides of `layout` for `sizes`. */
export function scanStrides(layout: ScanLayoutName, { channels, length, state }: ScanSizes): ScanStrides {
  return layout === "channels-first"
    ? { xBatch: channels * length, xChannel: length, xTime: 1, bcBatch: state * length, bcState: length, bcTime: 1 }
    : { xBatch: length * channels, xChannel: 1, xTime: channels, bcBatch: length * state, bcState: 1, bcTime: state };
}

/** The sizes of a scan case. */
export function sizesOf(inputs: SelectiveScanInputs): ScanSizes {
  const { batch, channels, length, state } = inputs;
  return { batch, channels, length, state };
}

/**
 * Every fused kernel writes one flat float32 buffer: out (batch·channels·length, in the x layout),
 * then the final state (batch, channels, state), then, when asked, y before the skip and the gate
 * (batch·channels·length, in the x layout). One buffer means one readback.
 */
export interface PackedScanOffsets {
  out: number;
  finalState: number;
  raw: number;
  total: number;
}

export function packedOffsets({ batch, channels, length, state }: ScanSizes, keepRaw: boolean): PackedScanOffsets {
  const tokens = batch * channels * length;
  const states = batch * channels * state;
  return { out: 0, finalState: tokens, raw: tokens + states, total: tokens + states + (keepRaw ? tokens : 0) };
}
