/** Small dense square matrices, row-major Float64Array of n × n, for the continuous-time solutions. */

/** C = A B for n × n matrices. */
export function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/**
 * e^M by scaling and squaring: e^M = (e^{M/2^s})^{2^s} with ‖M/2^s‖₁ ≤ 1/2, and e^{M/2^s} by its
 * Taylor series to 20 terms (truncation below 1e-25, far under float64 rounding).
 */
export function expm(m: Float64Array, n: number): Float64Array {
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let column = 0;
    for (let i = 0; i < n; i++) column += Math.abs(m[i * n + j]);
    norm = Math.max(norm, column);
  }
  const squarings = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scaled = m.map((v) => v / 2 ** squarings);
  let term = identity(n);
  let sum = identity(n);
  for (let k = 1; k <= 20; k++) {
    term = matMul(term, scaled, n).map((v) => v / k);
    sum = sum.map((v, i) => v + term[i]);
  }
  for (let s = 0; s < squarings; s++) sum = matMul(sum, sum, n);
  return sum;
}

export function identity(n: number): Float64Array {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return eye;
}
