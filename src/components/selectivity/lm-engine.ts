/**
 * The trained language model on the page's engine. The blocks — where all the work is — run on the
 * GPU engine (src/engine/gpu, `?backend=webgpu|webgl|cpu`, best available by default); the embedding,
 * the RMSNorms, the residual adds and the head are a few thousand multiply-adds and use the float64
 * reference's layers. `?backend=reference` (or no working tfjs backend) runs the blocks on the
 * float64 reference too. Per layer: h ← h + Mixer(RMSNorm(h)); logits = RMSNorm_f(h) · Embeddingᵀ.
 */
import { mambaBlockForward } from "../../engine/block.js";
import { createGpuEngine } from "../../engine/gpu/engine.js";
import { linear, rmsNorm } from "../../engine/layers.js";
import { checkTokenIds } from "../../engine/model.js";
import type { MambaBlockWeights, MambaModel, Numbers, ScanOverrides } from "../../engine/types.js";
import { showBackend } from "../backend-badge.js";

/** What one layer's selection mechanism produced, shapes (batch, length, ·), after overrides. */
export interface LayerSelection {
  /** (batch, length, dInner) */
  delta: Numbers;
  /** (batch, length, dState) */
  B: Numbers;
  /** (batch, length, dState) */
  C: Numbers;
}

/**
 * Overrides per layer: fixed ones, or — for perturbations built from what the layer computes (swap C
 * between two tokens) — a function of the layer's unperturbed selection (batch 1 only).
 */
export type LayerOverrides =
  | readonly (ScanOverrides | undefined)[]
  | ((layer: number, computed: LayerSelection) => ScanOverrides | undefined);

export interface LmRun {
  batch: number;
  length: number;
  vocab: number;
  /** (batch, length, vocab) */
  logits: Float64Array;
  layers: LayerSelection[];
  /** The overrides every layer ran with (resolved when given as a function). */
  overrides: (ScanOverrides | undefined)[];
}

/** Runs one block; the GPU engine and the reference behind one signature. */
type BlockRunner = (weights: MambaBlockWeights, input: Float64Array, batch: number, length: number, overrides?: ScanOverrides) => Promise<LayerSelection & { output: Numbers }>;

export interface LmEngine {
  /** "WebGPU", "WebGL2", "CPU (tfjs)" or "float64 reference". */
  readonly label: string;
  readonly reason: string;
  /** The model on `ids` (batch × length token ids). */
  run(model: MambaModel, ids: readonly (readonly number[])[], overrides?: LayerOverrides): Promise<LmRun>;
}

const LABELS: Record<string, string> = { webgpu: "WebGPU", webgl: "WebGL2", cpu: "CPU (tfjs)" };

/** The float64 reference block. */
const referenceBlock: BlockRunner = async (weights, input, batch, length, overrides) => mambaBlockForward(weights, input, batch, length, { overrides });

/**
 * The page's engine, from `search` (location.search): the GPU engine unless `?backend=reference`,
 * falling back to the reference, with the reason, when no tfjs backend starts. Fills the header badge.
 */
export async function createLmEngine(search: string): Promise<LmEngine> {
  if (new URLSearchParams(search).get("backend") === "reference") {
    return lmEngine("float64 reference", "float64 reference (src/engine), requested with ?backend=reference", referenceBlock);
  }
  try {
    const gpu = await createGpuEngine({ backend: search });
    if (typeof document !== "undefined") showBackend(gpu);
    return lmEngine(LABELS[gpu.backend] ?? gpu.backend, gpu.reason, (weights, input, batch, length, overrides) =>
      gpu.blockForward(weights, input, batch, length, { overrides }),
    );
  } catch (error) {
    const reason = `float64 reference: no tfjs backend started (${error instanceof Error ? error.message : String(error)})`;
    return lmEngine("float64 reference", reason, referenceBlock);
  }
}

function lmEngine(label: string, reason: string, runBlock: BlockRunner): LmEngine {
  return { label, reason, run: (model, ids, overrides) => runModel(model, ids, runBlock, overrides) };
}

/** Embedding, every layer through `runBlock`, the head. */
async function runModel(model: MambaModel, ids: readonly (readonly number[])[], runBlock: BlockRunner, overrides: LayerOverrides = []): Promise<LmRun> {
  const { batch, length } = checkTokenIds(ids, model.config.vocabSize);
  const { dModel, vocabSize, normEpsilon } = model.config;
  const rows = batch * length;
  let residual = new Float64Array(rows * dModel);
  ids.flat().forEach((id, i) => residual.set(model.embedding.subarray(id * dModel, (id + 1) * dModel), i * dModel));
  const layers: LayerSelection[] = [];
  const used: (ScanOverrides | undefined)[] = [];
  for (const [index, layer] of model.layers.entries()) {
    const normed = rmsNorm(residual, rows, layer.norm, normEpsilon);
    let layerOverrides: ScanOverrides | undefined;
    if (typeof overrides === "function") {
      const unperturbed = await runBlock(layer.mixer, normed, batch, length);
      layerOverrides = overrides(index, unperturbed);
    } else {
      layerOverrides = overrides[index];
    }
    const block = await runBlock(layer.mixer, normed, batch, length, layerOverrides);
    residual = residual.map((v, j) => v + block.output[j]);
    layers.push({ delta: block.delta, B: block.B, C: block.C });
    used.push(layerOverrides);
  }
  const normalized = rmsNorm(residual, rows, model.normF, normEpsilon);
  const logits = linear(normalized, rows, model.lmHead ?? model.embedding, undefined, dModel, vocabSize);
  return { batch, length, vocab: vocabSize, logits, layers, overrides: used };
}
