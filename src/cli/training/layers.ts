/**
 * Float32 forward and backward passes of the pieces of a Mamba LM other than the scan, written by hand
 * for training on a CPU (no autodiff: a tfjs graph dispatches ~0.2 ms per op, and a per-token scan is
 * hundreds of tiny ops). Activations are row-major (rows, features) with rows = batch · length;
 * weights use PyTorch's layout (out, in). Every backward *adds* into the gradients it is given.
 */

export type Floats = Float32Array;

/** y = x Wᵀ + b: x (rows, inputs), W (outputs, inputs), b (outputs) → y (rows, outputs). */
export function linearForward(x: Floats, rows: number, inputs: number, weight: Floats, outputs: number, bias?: Floats): Floats {
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    const xRow = r * inputs;
    for (let o = 0; o < outputs; o++) {
      const wRow = o * inputs;
      let sum = bias ? bias[o] : 0;
      for (let i = 0; i < inputs; i++) sum += x[xRow + i] * weight[wRow + i];
      y[r * outputs + o] = sum;
    }
  }
  return y;
}

/** Gradients of y = x Wᵀ + b: dW += dyᵀ x, db += Σ_rows dy; returns dx = dy W (rows, inputs) unless `needInput` is false. */
export function linearBackward(
  dy: Floats, x: Floats, rows: number, inputs: number, weight: Floats, outputs: number,
  dWeight: Floats, dBias?: Floats, needInput = true,
): Floats | undefined {
  const dx = needInput ? new Float32Array(rows * inputs) : undefined;
  for (let r = 0; r < rows; r++) {
    const xRow = r * inputs;
    for (let o = 0; o < outputs; o++) {
      const g = dy[r * outputs + o];
      if (g === 0) continue;
      const wRow = o * inputs;
      if (dBias) dBias[o] += g;
      for (let i = 0; i < inputs; i++) dWeight[wRow + i] += g * x[xRow + i];
      if (dx) for (let i = 0; i < inputs; i++) dx[xRow + i] += g * weight[wRow + i];
    }
  }
  return dx;
}

/** RMSNorm per row: y = x / sqrt(mean(x²) + ε) ⊙ w; also returns 1/rms per row for the backward pass. */
export function rmsNormForward(x: Floats, rows: number, width: number, weight: Floats, epsilon: number): { y: Floats; inverseRms: Floats } {
  const y = new Float32Array(rows * width);
  const inverseRms = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let sumSquares = 0;
    for (let i = 0; i < width; i++) sumSquares += x[r * width + i] ** 2;
    const inv = 1 / Math.sqrt(sumSquares / width + epsilon);
    inverseRms[r] = inv;
    for (let i = 0; i < width; i++) y[r * width + i] = x[r * width + i] * inv * weight[i];
  }
  return { y, inverseRms };
}

/** Backward of RMSNorm: dx_i = s w_i dy_i − x_i s³/width · Σ_j dy_j w_j x_j (s = 1/rms), dw_i += Σ_rows dy_i x_i s. */
export function rmsNormBackward(dy: Floats, x: Floats, inverseRms: Floats, rows: number, width: number, weight: Floats, dWeight: Floats): Floats {
  const dx = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const s = inverseRms[r];
    let projection = 0;
    for (let i = 0; i < width; i++) {
      const at = r * width + i;
      projection += dy[at] * weight[i] * x[at];
      dWeight[i] += dy[at] * x[at] * s;
    }
    const correction = (projection * s * s * s) / width;
    for (let i = 0; i < width; i++) {
      const at = r * width + i;
      dx[at] = s * weight[i] * dy[at] - x[at] * correction;
    }
  }
  return dx;
}

/**
 * Causal depthwise conv1d of src/math.md#block (step 2) over (batch, length, channels):
 * y_t[c] = b_c + Σ_{j<k} W[c, j] · x_{t−(k−1)+j}[c], zeros before the start.
 */
export function causalConvForward(x: Floats, batch: number, length: number, channels: number, weight: Floats, kernel: number, bias?: Floats): Floats {
  const y = new Float32Array(batch * length * channels);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const out = (b * length + t) * channels;
      for (let c = 0; c < channels; c++) {
        let sum = bias ? bias[c] : 0;
        for (let j = 0; j < kernel; j++) {
          const source = t - (kernel - 1) + j;
          if (source >= 0) sum += weight[c * kernel + j] * x[(b * length + source) * channels + c];
        }
        y[out + c] = sum;
      }
    }
  }
  return y;
}

/** Backward of the causal conv: dW[c, j] += Σ dy_t[c] x_{t−(k−1)+j}[c], db += Σ dy; returns dx. */
export function causalConvBackward(
  dy: Floats, x: Floats, batch: number, length: number, channels: number, weight: Floats, kernel: number,
  dWeight: Floats, dBias?: Floats,
): Floats {
  const dx = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const out = (b * length + t) * channels;
      for (let c = 0; c < channels; c++) {
        const g = dy[out + c];
        if (dBias) dBias[c] += g;
        for (let j = 0; j < kernel; j++) {
          const source = t - (kernel - 1) + j;
          if (source < 0) continue;
          const at = (b * length + source) * channels + c;
          dWeight[c * kernel + j] += g * x[at];
          dx[at] += g * weight[c * kernel + j];
        }
      }
    }
  }
  return dx;
}

const POWERS_OF_TWO = Float64Array.from({ length: 301 }, (_, i) => 2 ** (i - 150));

/**
 * e^v to float32 precision (relative error < 2e-9), about 4× faster than Math.exp in V8 — the scan
 * computes one per state update. e^v = 2^k · e^r with k = round(v / ln 2), |r| ≤ ln 2 / 2, and e^r
 * from its Taylor series to degree 8 (remainder below (ln 2 / 2)^9 / 9! ≈ 2e-10).
 */
export function expFloat32(v: number): number {
  if (v < -103) return 0;
  if (v > 88) return Math.exp(v);
  const k = Math.round(v * Math.LOG2E);
  const r = v - k * Math.LN2;
  const series = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r / 40320)))))));
  return POWERS_OF_TWO[k + 150] * series;
}

/** σ(v) = 1 / (1 + e^{−v}). */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** SiLU(v) = v σ(v), element-wise. */
export function siluForward(x: Floats): Floats {
  return x.map((v) => v * sigmoid(v));
}

/** d SiLU(v)/dv = σ(v) (1 + v (1 − σ(v))). */
export function siluDerivative(v: number): number {
  const s = sigmoid(v);
  return s * (1 + v * (1 - s));
}

/** softplus(v) = log(1 + e^v), = v above 20 as in PyTorch; its derivative is σ(v). */
export function softplusForward(x: Floats): Floats {
  return x.map((v) => (v > 20 ? v : Math.log1p(Math.exp(v))));
}
