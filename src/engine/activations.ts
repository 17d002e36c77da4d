/** Scalar nonlinearities of the Mamba block, in float64. */

/** SiLU(v) = v · σ(v) = v / (1 + e^{−v}). */
export function silu(v: number): number {
  return v / (1 + Math.exp(-v));
}

/** softplus(v) = log(1 + e^v), and v itself above 20 as in PyTorch (threshold = 20), where the two agree to 2e-9. */
export function softplus(v: number): number {
  return v > 20 ? v : Math.log1p(Math.exp(v));
}

/** The inverse of softplus: v = y + log(1 − e^{−y}) for y > 0; used to set Δ's bias so that softplus(bias) = Δ. */
export function inverseSoftplus(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}
