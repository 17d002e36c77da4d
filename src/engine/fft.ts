/** A small iterative radix-2 FFT on separate real and imaginary float64 arrays. */

/** The smallest power of two ≥ n (1 for n ≤ 1). */
export function nextPowerOfTwo(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/**
 * In-place discrete Fourier transform X_k = Σ_j x_j e^{∓2πi jk/n} of (re, im), n a power of two;
 * `inverse` uses e^{+…} and divides by n.
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if ((n & (n - 1)) !== 0 || im.length !== n) throw new RangeError(`fft needs equal power-of-two lengths, got ${n} and ${im.length}`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size *= 2) {
    const angle = (sign * 2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wRe = Math.cos(angle * k);
        const wIm = Math.sin(angle * k);
        const even = start + k;
        const odd = even + size / 2;
        const tRe = re[odd] * wRe - im[odd] * wIm;
        const tIm = re[odd] * wIm + im[odd] * wRe;
        re[odd] = re[even] - tRe;
        im[odd] = im[even] - tIm;
        re[even] += tRe;
        im[even] += tIm;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] /= n;
      im[i] /= n;
    }
  }
}
