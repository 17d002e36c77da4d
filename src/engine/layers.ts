/** The dense building blocks of the Mamba block, in float64 on row-major buffers. */
import type { Numbers } from "./types.js";

/** y = x Wᵀ + b: x (rows, inFeatures), W (outFeatures, inFeatures), b (outFeatures) → y (rows, outFeatures). */
export function linear(
  x: ArrayLike<number>,
  rows: number,
  weight: Numbers,
  bias: Numbers | undefined,
  inFeatures: number,
  outFeatures: number,
): Float64Array {
  const y = new Float64Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < inFeatures; i++) sum += weight[o * inFeatures + i] * x[r * inFeatures + i];
      y[r * outFeatures + o] = sum;
    }
  }
  return y;
}

/** RMSNorm(v) = v / sqrt(mean(v²) + ε) ⊙ w for every row of x (rows, features). */
export function rmsNorm(x: ArrayLike<number>, rows: number, weight: Numbers, epsilon: number): Float64Array {
  const features = weight.length;
  const y = new Float64Array(rows * features);
  for (let r = 0; r < rows; r++) {
    let squares = 0;
    for (let f = 0; f < features; f++) squares += x[r * features + f] ** 2;
    const inverseRms = 1 / Math.sqrt(squares / features + epsilon);
    for (let f = 0; f < features; f++) y[r * features + f] = x[r * features + f] * inverseRms * weight[f];
  }
  return y;
}

/**
 * Causal depthwise conv1d over x (batch, length, channels) with weight (channels, k):
 * x'_t[c] = b_c + Σ_{j=0..k−1} W[c, j] · x_{t−(k−1)+j}[c], zeros before the start.
 */
export function causalDepthwiseConv(
  x: ArrayLike<number>,
  batch: number,
  length: number,
  weight: Numbers,
  bias: Numbers | undefined,
  width: number,
): Float64Array {
  const channels = weight.length / width;
  const y = new Float64Array(batch * length * channels);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      for (let c = 0; c < channels; c++) {
        let sum = bias ? bias[c] : 0;
        for (let j = 0; j < width; j++) {
          const source = t - (width - 1) + j;
          if (source >= 0) sum += weight[c * width + j] * x[(b * length + source) * channels + c];
        }
        y[(b * length + t) * channels + c] = sum;
      }
    }
  }
  return y;
}

/** Swaps the two middle axes: (outer, first, second, inner) → (outer, second, first, inner). */
export function swapAxes(data: ArrayLike<number>, outer: number, first: number, second: number, inner = 1): Float64Array {
  const swapped = new Float64Array(outer * first * second * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < first; i++) {
      for (let j = 0; j < second; j++) {
        const from = ((o * first + i) * second + j) * inner;
        const to = ((o * second + j) * first + i) * inner;
        for (let k = 0; k < inner; k++) swapped[to + k] = data[from + k];
      }
    }
  }
  return swapped;
}

/** Columns [start, start + count) of every row of x (rows, features). */
export function sliceColumns(x: ArrayLike<number>, rows: number, features: number, start: number, count: number): Float64Array {
  const y = new Float64Array(rows * count);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < count; i++) y[r * count + i] = x[r * features + start + i];
  }
  return y;
}
