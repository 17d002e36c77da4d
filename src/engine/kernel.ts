/**
 * The LTI view (src/math.md#kernel): with Δ, B, C fixed, the recurrence h_k = Ā h_{k−1} + B̄ x_k,
 * y_k = C h_k is the causal convolution y = K̄ * x with K̄_ℓ = Σ_n C_n B̄_n Ā_n^ℓ.
 */
import { fft, nextPowerOfTwo } from "./fft.js";

/** K̄ (length) for a diagonal Ā, B̄, C of shape (state). */
export function ltiKernel(aBar: ArrayLike<number>, bBar: ArrayLike<number>, c: ArrayLike<number>, length: number): Float64Array {
  const kernel = new Float64Array(length);
  for (let n = 0; n < aBar.length; n++) {
    let power = c[n] * bBar[n];
    for (let l = 0; l < length; l++) {
      kernel[l] += power;
      power *= aBar[n];
    }
  }
  return kernel;
}

/** y_k = Σ_{j=0..k} K̄_j x_{k−j}, directly: O(L²). Output length = input length. */
export function causalConvolveDirect(x: ArrayLike<number>, kernel: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    let sum = 0;
    for (let j = 0; j <= k && j < kernel.length; j++) sum += kernel[j] * x[k - j];
    y[k] = sum;
  }
  return y;
}

/** The same y by FFT: pad x and K̄ to ≥ 2L (a power of two), multiply spectra, keep the first L. O(L log L). */
export function causalConvolveFFT(x: ArrayLike<number>, kernel: ArrayLike<number>): Float64Array {
  const length = x.length;
  const size = nextPowerOfTwo(2 * Math.max(length, 1));
  const xRe = new Float64Array(size);
  const kRe = new Float64Array(size);
  xRe.set(Array.from(x));
  kRe.set(Array.from(kernel).slice(0, length));
  const xIm = new Float64Array(size);
  const kIm = new Float64Array(size);
  fft(xRe, xIm);
  fft(kRe, kIm);
  for (let i = 0; i < size; i++) {
    const re = xRe[i] * kRe[i] - xIm[i] * kIm[i];
    xIm[i] = xRe[i] * kIm[i] + xIm[i] * kRe[i];
    xRe[i] = re;
  }
  fft(xRe, xIm, true);
  return xRe.slice(0, length);
}
