/**
 * The one seam between the pages and the engines (docs/architecture.md): an `Engine` runs a Mamba model, a
 * single block or a bare selective scan and returns every tensor the pages draw, whether it computes them
 * in float64 on the CPU (reference-engine.ts) or in float32 on a tfjs backend (gpu/engine.ts).
 *
 * One vocabulary for one block's tensors (src/math.md#block), token-major, shapes (batch, length, ·):
 *   input     what the block reads: RMSNorm(residual) ⊙ w in a model, the caller's input for a lone block
 *   x, z      the two halves of in_proj(input)
 *   u         SiLU(conv(x)), the scan's input
 *   delta     Δ = softplus(dt_proj(δ)), after overrides;  A = −exp(A_log), after overrides;  B, C after overrides
 *   y         Σ_n C_t[n] h_t[c, n], the scan's output before the skip and the gate
 *   yGated    (y + D·u) ⊙ SiLU(z)
 *   out       out_proj(yGated)
 *   residual  the layer's output: its residual input + out (models only)
 * No framework and no tfjs here.
 */
import type { LmState } from "./model.js";
import type { DiscretisationRule, MambaBlockWeights, MambaModel, Numbers, ScanOverrides, SelectiveScanInputs, SelectiveScanOutputs } from "./types.js";

/** Where a run is computed: a tfjs backend (float32) or the float64 reference. */
export type BackendName = "webgpu" | "webgl" | "cpu" | "reference";

/** Every backend, in the automatic choice's order of preference. */
export const BACKENDS: readonly BackendName[] = ["webgpu", "webgl", "cpu", "reference"];

/** The one table of backend names for readers. */
export const BACKEND_LABELS: Record<BackendName, string> = { webgpu: "WebGPU", webgl: "WebGL2", cpu: "CPU (tfjs)", reference: "float64 reference" };

/** Everything one block computes on one input; see the vocabulary above. T: Float64Array from the reference, Float32Array from tfjs. */
export interface BlockRun<T extends Numbers = Numbers> {
  batch: number;
  length: number;
  /** (batch, length, dModel) */
  input: T;
  /** (batch, length, dInner) */
  x: T;
  /** (batch, length, dInner) */
  z: T;
  /** (batch, length, dInner) */
  u: T;
  /** (batch, length, dtRank): δ, the low-rank input of dt_proj */
  deltaLowRank: T;
  /** (batch, length, dInner) */
  delta: T;
  /** (dInner, dState) */
  A: T;
  /** (batch, length, dState) */
  B: T;
  /** (batch, length, dState) */
  C: T;
  /** (batch, length, dInner) */
  y: T;
  /** (batch, length, dInner) */
  yGated: T;
  /** (batch, length, dModel) */
  out: T;
  /** (batch, dInner, dState): h after the last token */
  finalState: T;
  /** (batch, convWidth − 1, dInner): the last convWidth − 1 values of x, oldest first (zeros before the start) */
  convState: T;
  /** (batch, length, dInner, dState): h after every token, only when asked for */
  states?: T;
}

/** One layer of a model run: its block, plus the layer's output. */
export interface LayerRun<T extends Numbers = Numbers> extends BlockRun<T> {
  /** (batch, length, dModel): the residual stream after this layer */
  residual: T;
}

/** A whole model on a batch of token ids. */
export interface ModelRun<T extends Numbers = Numbers> {
  batch: number;
  length: number;
  vocab: number;
  /** (batch, length, dModel): the embedding rows, the residual stream before layer 0 */
  embedded: T;
  layers: LayerRun<T>[];
  /** (batch, length, vocab) */
  logits: T;
}

/** How a block runs. */
export interface BlockOptions {
  /** Readers' overrides of Δ, A, B, C, shared by all batch rows (shapes in types.ts ScanOverrides). */
  overrides?: ScanOverrides;
  /** Discretisation; "mamba" is what checkpoints were trained with. The tfjs backends run "mamba" and "zoh". */
  rule?: DiscretisationRule;
  /** Also return h after every token (BlockRun.states). */
  states?: boolean;
}

/** How a model runs. */
export interface ModelOptions {
  /** Overrides per layer (index = layer); absent layers run as computed. */
  overrides?: readonly (ScanOverrides | undefined)[];
  rule?: DiscretisationRule;
  /** The layers whose h after every token is returned. */
  statesOf?: readonly number[];
  /** Return only the logits (ModelRun.layers empty): for scoring runs that need no layer's tensors. */
  logitsOnly?: boolean;
}

/** Reads a model one token at a time with its constant-size state (src/math.md#decoding). */
export interface Decoder {
  /** Reads one token; resolves to the logits (vocab) for the next one. Calls run in order. */
  step(id: number): Promise<Numbers>;
  /** Tokens read since the start or the last reset. */
  readonly position: number;
  /** The state after the last token read, in host memory (a copy). */
  state(): Promise<LmState>;
  /** Starts again from `state` (default: zeros, the start of a sequence) at `position`. */
  reset(state?: LmState, position?: number): void;
  /** Frees what the decoder holds on its backend. */
  dispose(): void;
}

export interface Engine {
  /** What computes; it changes only if the GPU is lost (gpu/device-loss.ts). */
  readonly backend: BackendName;
  /** Why this backend, in words. */
  readonly reason: string;
  /** After a lost GPU, one line for readers ("WebGL2 context lost: the live model now runs on CPU (tfjs)"). */
  readonly lossNote: string | undefined;
  /** Calls `listener` each time the engine moves to another backend after a loss; returns an unsubscribe. */
  onBackendChange(listener: () => void): () => void;
  /** The model on `ids` (batch × length token ids), every layer's tensors and the logits. */
  runModel(model: MambaModel, ids: readonly (readonly number[])[], options?: ModelOptions): Promise<ModelRun>;
  /** One block on `input` (batch, length, dModel). */
  runBlock(weights: MambaBlockWeights, input: Numbers, batch: number, length: number, options?: BlockOptions): Promise<BlockRun>;
  /** The bare selective scan of `inputs` (golden layout), with optional overrides. */
  scan(inputs: SelectiveScanInputs, overrides?: ScanOverrides): Promise<SelectiveScanOutputs>;
  /** A decoder for `model`, starting from zeros. */
  decoder(model: MambaModel, options?: { rule?: DiscretisationRule }): Decoder;
  /** Frees what the engine keeps for `weights` (a model or a block); a later run uploads them again. */
  release(weights: MambaModel | MambaBlockWeights): void;
  /** Frees everything the engine keeps. */
  dispose(): void;
}
