/**
 * Shapes and layouts shared by the float64 reference engine and the GPU kernels.
 *
 * Layouts are row-major. The standalone selective scan uses the layout of the official CUDA kernel
 * (`selective_scan_fn`) and of `../shared/golden/scan/*.json`: channels before length.
 */

/** How B is discretised: Mamba's code (B̄ = ΔB) or the exact zero-order hold of the paper (Eq. 4). */
export type BRule = "mamba" | "zoh";

/** Any flat numeric buffer the engine reads; float64 in the reference, float32 on the GPU. */
export type Numbers = Float64Array | Float32Array;

/** Inputs of one selective scan. */
export interface SelectiveScanInputs {
  batch: number;
  /** Di, the number of channels. */
  channels: number;
  /** L, the number of tokens. */
  length: number;
  /** N, the state size per channel. */
  state: number;
  /** (batch, channels, length) */
  u: Numbers;
  /** (batch, channels, length), already after softplus */
  delta: Numbers;
  /** (channels, state), negative for a stable system */
  A: Numbers;
  /** (batch, state, length) */
  B: Numbers;
  /** (batch, state, length) */
  C: Numbers;
  /** (channels); the skip connection, omitted means 0 */
  D?: Numbers;
  /** (batch, channels, length); the gate, omitted means no gate */
  z?: Numbers;
  rule: BRule;
}

/** Outputs of one selective scan. */
export interface SelectiveScanOutputs {
  /** (batch, channels, length): (y + D·u) · SiLU(z) */
  out: Numbers;
  /** (batch, channels, length): Σ_n C_t[n] h_t[c, n], before the skip and the gate */
  yNoSkipNoGate: Numbers;
  /** (batch, channels, state): h after the last token */
  finalState: Numbers;
}

/**
 * A reader's perturbation of one intermediate of the block: the value used is
 * `(set is NaN or absent ? computed : set) × (scale ?? 1)`, element by element, with the shape of
 * the intermediate it perturbs. Kept as plain arrays so the GPU path can apply it with two
 * element-wise ops and the reference path with one loop.
 */
export interface Perturbation {
  set?: Numbers;
  scale?: Numbers;
}

/** Per-token, per-channel perturbations of a block's selective scan. Shapes (per batch row shared):
 * delta (length, channels), A (channels, state), B (length, state), C (length, state). */
export interface ScanOverrides {
  delta?: Perturbation;
  A?: Perturbation;
  B?: Perturbation;
  C?: Perturbation;
}
