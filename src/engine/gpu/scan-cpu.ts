/**
 * The fused selective scan as a plain float32 TypeScript loop: the CPU backend's kernel, and on a
 * machine with only a software GPU the fastest of the three (no dispatch, no texture round trips).
 * Same equations as the float64 reference (src/math.md#selective-scan), with the same B̄/B (discretise.ts
 * inputScale), same strided layouts and packed output as the GPU kernels.
 */
import { inputScale } from "../discretise.js";
import { packedOffsets, scanStrides, type ScanLayoutName, type ScanSizes } from "./layout.js";
import type { BRule } from "../types.js";

/** Flat float32 buffers of one scan; D (channels) and z are optional, as in SelectiveScanInputs. */
export interface ScanBuffers {
  u: Float32Array;
  delta: Float32Array;
  A: Float32Array;
  B: Float32Array;
  C: Float32Array;
  D?: Float32Array;
  z?: Float32Array;
}

/**
 * h_t = e^{Δ_t A} h_{t−1} + B̄_t u_t per (batch, channel, state), y_t = C_t · h_t,
 * out_t = (y_t + D u_t) · SiLU(z_t); returns the packed buffer of layout.ts.
 */
export function scanFloat32(
  buffers: ScanBuffers,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
): Float32Array {
  const { batch, channels, length, state } = sizes;
  const s = scanStrides(layout, sizes);
  const offsets = packedOffsets(sizes, keepRaw);
  const packed = new Float32Array(offsets.total);
  const { u, delta, A, B, C, D, z } = buffers;
  const h = new Float32Array(state);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      h.fill(0);
      const xRow = b * s.xBatch + c * s.xChannel;
      for (let t = 0; t < length; t++) {
        const at = xRow + t * s.xTime;
        const dt = delta[at];
        const x = u[at];
        let y = 0;
        for (let n = 0; n < state; n++) {
          const a = A[c * state + n];
          const bc = b * s.bcBatch + n * s.bcState + t * s.bcTime;
          h[n] = Math.exp(dt * a) * h[n] + inputScale(rule, a, dt) * B[bc] * x;
          y += C[bc] * h[n];
        }
        const skipped = y + (D ? D[c] * x : 0);
        packed[offsets.out + at] = z ? (skipped * z[at]) / (1 + Math.exp(-z[at])) : skipped;
        if (keepRaw) packed[offsets.raw + at] = y;
      }
      packed.set(h, offsets.finalState + (b * channels + c) * state);
    }
  }
  return packed;
}
