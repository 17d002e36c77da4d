/**
 * Shapes and layouts shared by the float64 reference engine and the GPU kernels.
 *
 * Layouts are row-major. The standalone selective scan uses the layout of the official CUDA kernel
 * (`selective_scan_fn`) and of `test/fixtures/golden/scan/*.json`: channels before length.
 */

/**
 * How the scan discretises (src/math.md#discretisation): Ā and B̄ per token from Δ, A and B.
 * "mamba" (Ā = e^{ΔA}, B̄ = ΔB, what checkpoints are trained with) and "zoh" (the exact zero-order hold,
 * B̄ = (e^{ΔA} − 1)/A · B) run everywhere; "euler" and "bilinear" only in the float64 reference.
 */
export type DiscretisationRule = "euler" | "bilinear" | "zoh" | "mamba";

/** The rules the GPU kernels run: both keep Ā = e^{ΔA} and differ in B̄ only. */
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
  rule: DiscretisationRule;
}

/** Outputs of one selective scan. */
export interface SelectiveScanOutputs {
  /** (batch, channels, length): Σ_n C_t[n] h_t[c, n], before the skip and the gate */
  y: Numbers;
  /** (batch, channels, length): (y + D·u) · SiLU(z) */
  yGated: Numbers;
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

/** Sizes of one Mamba block (src/math.md#block): D, Di = E·D, N, R, k. */
export interface BlockDims {
  dModel: number;
  dInner: number;
  dState: number;
  dtRank: number;
  convWidth: number;
}

/** Weights of one Mamba block in HuggingFace's layout; linear layers are row-major (out, in). */
export interface MambaBlockWeights {
  dims: BlockDims;
  /** (2·dInner, dModel): rows [0, dInner) give x, rows [dInner, 2·dInner) give z */
  inProj: Numbers;
  /** (2·dInner), only in some checkpoints */
  inProjBias?: Numbers;
  /** (dInner, convWidth): conv1d.weight (dInner, 1, k) without its middle axis; column k−1 multiplies the current token */
  conv: Numbers;
  /** (dInner) */
  convBias?: Numbers;
  /** (dtRank + 2·dState, dInner): rows give [δ | B | C] */
  xProj: Numbers;
  /** (dInner, dtRank) */
  dtProj: Numbers;
  /** (dInner) */
  dtProjBias: Numbers;
  /** (dInner, dState): A = −exp(A_log) */
  ALog: Numbers;
  /** (dInner) */
  D: Numbers;
  /** (dModel, dInner) */
  outProj: Numbers;
  /** (dModel) */
  outProjBias?: Numbers;
}

/** One residual layer: h ← h + Mixer(RMSNorm(h) ⊙ norm). */
export interface MambaLayerWeights {
  /** (dModel) */
  norm: Numbers;
  mixer: MambaBlockWeights;
}

/** A Mamba language model's hyper-parameters (HuggingFace MambaConfig, in engine names). */
export interface MambaConfig {
  vocabSize: number;
  dModel: number;
  dInner: number;
  dState: number;
  dtRank: number;
  convWidth: number;
  numLayers: number;
  useBias: boolean;
  useConvBias: boolean;
  normEpsilon: number;
  tieEmbeddings: boolean;
}

/** A Mamba language model: embedding, residual layers, final RMSNorm, and the head (tied unless lmHead is given). */
export interface MambaModel {
  config: MambaConfig;
  /** (vocab, dModel) */
  embedding: Numbers;
  layers: MambaLayerWeights[];
  /** (dModel) */
  normF: Numbers;
  /** (vocab, dModel), only when the head is not tied to the embedding */
  lmHead?: Numbers;
}
