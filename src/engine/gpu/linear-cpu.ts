/**
 * The linear layer y = x Wᵀ + b as a plain float32 TypeScript loop: the CPU backend's kernel. tfjs's own CPU
 * matMul walks every operand through generic strides, about 0.45 G multiply-adds a second on this project's
 * 2-core machine; this loop keeps 2 rows × 4 outputs in registers and reads both operands contiguously, about
 * three times that, which is what brings a forward of the 4 × 256 character model over 256 characters under a
 * second there (bench/char-model.ts). Same sums as the reference's linear (src/engine/layers.ts), in float32.
 */

/** x (rows, inFeatures), weight (outFeatures, inFeatures), bias (outFeatures) → y (rows, outFeatures). */
export function linearFloat32(
  x: Float32Array,
  rows: number,
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  bias?: Float32Array,
): Float32Array {
  const y = new Float32Array(rows * outFeatures);
  for (let r = 0; r < rows; r += 2) {
    // Past the last row or output the loop reads the last one again and stores nothing: no tail loops.
    const r0 = Math.min(r, rows - 1) * inFeatures;
    const r1 = Math.min(r + 1, rows - 1) * inFeatures;
    for (let o = 0; o < outFeatures; o += 4) {
      const w0 = Math.min(o, outFeatures - 1) * inFeatures;
      const w1 = Math.min(o + 1, outFeatures - 1) * inFeatures;
      const w2 = Math.min(o + 2, outFeatures - 1) * inFeatures;
      const w3 = Math.min(o + 3, outFeatures - 1) * inFeatures;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let i = 0; i < inFeatures; i++) {
        const p = x[r0 + i];
        const q = x[r1 + i];
        const v0 = weight[w0 + i], v1 = weight[w1 + i], v2 = weight[w2 + i], v3 = weight[w3 + i];
        a0 += p * v0; a1 += p * v1; a2 += p * v2; a3 += p * v3;
        b0 += q * v0; b1 += q * v1; b2 += q * v2; b3 += q * v3;
      }
      const count = Math.min(4, outFeatures - o);
      store(y, r * outFeatures + o, count, bias, o, a0, a1, a2, a3);
      if (r + 1 < rows) store(y, (r + 1) * outFeatures + o, count, bias, o, b0, b1, b2, b3);
    }
  }
  return y;
}

/** Writes the first `count` of four sums, plus their biases, to y[at…]. */
function store(y: Float32Array, at: number, count: number, bias: Float32Array | undefined, o: number, s0: number, s1: number, s2: number, s3: number): void {
  y[at] = s0 + (bias ? bias[o] : 0);
  if (count > 1) y[at + 1] = s1 + (bias ? bias[o + 1] : 0);
  if (count > 2) y[at + 2] = s2 + (bias ? bias[o + 2] : 0);
  if (count > 3) y[at + 3] = s3 + (bias ? bias[o + 3] : 0);
}
