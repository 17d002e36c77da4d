/**
 * The Mamba language model (MAMBA-SPEC §5, residual stack): embedding, then for every layer
 * h ← h + Mixer(RMSNorm(h)), then logits = RMSNorm_f(h) · Headᵀ, the head tied to the embedding
 * unless the model has its own. Full-sequence forward with every intermediate, and one-token decoding.
 */
import { initialBlockState, mambaBlockForward, mambaBlockStep, type BlockIntermediates, type BlockState } from "./block.js";
import { check } from "./errors.js";
import { linear, rmsNorm } from "./layers.js";
import type { BRule, MambaModel, ScanOverrides } from "./types.js";

export interface LmOptions {
  /** Overrides per layer (index = layer); absent layers run as computed. */
  overrides?: (ScanOverrides | undefined)[];
  rule?: BRule;
  /** Keep Ā, B̄ and h for every token in every layer. */
  keepStates?: boolean;
}

export interface LmOutputs {
  batch: number;
  length: number;
  /** (batch, length, vocab) */
  logits: Float64Array;
  /** numLayers + 1 residual streams (batch, length, dModel): after the embedding and after every layer */
  residuals: Float64Array[];
  /** (batch, length, dModel): norm_f of the last residual, the input of the head */
  normalized: Float64Array;
  layers: BlockIntermediates[];
}

/** Checks that ids form a non-empty batch × length grid of integers in [0, vocab); returns its sizes. */
export function checkTokenIds(ids: readonly (readonly number[])[], vocabSize: number): { batch: number; length: number } {
  check(ids.length > 0, "no token ids given");
  const length = ids[0].length;
  check(length > 0, "token id row 0 is empty");
  ids.forEach((row, b) => {
    check(row.length === length, `token id row ${b} has ${row.length} ids but row 0 has ${length}; every row needs the same length`);
    row.forEach((id, t) => {
      check(
        Number.isInteger(id) && id >= 0 && id < vocabSize,
        `token id ${id} (row ${b}, position ${t}) is outside the vocabulary 0..${vocabSize - 1}`,
      );
    });
  });
  return { batch: ids.length, length };
}

/** Embedding rows for ids, (count, dModel). */
function embed(model: MambaModel, ids: readonly number[]): Float64Array {
  const { dModel } = model.config;
  const out = new Float64Array(ids.length * dModel);
  ids.forEach((id, i) => out.set(model.embedding.subarray(id * dModel, (id + 1) * dModel), i * dModel));
  return out;
}

/** norm_f and the head: (rows, dModel) → normalized (rows, dModel) and logits (rows, vocab). */
function head(model: MambaModel, residual: Float64Array, rows: number): { normalized: Float64Array; logits: Float64Array } {
  const { dModel, vocabSize, normEpsilon } = model.config;
  const normalized = rmsNorm(residual, rows, model.normF, normEpsilon);
  return { normalized, logits: linear(normalized, rows, model.lmHead ?? model.embedding, undefined, dModel, vocabSize) };
}

/** Runs the whole model on ids (batch × length). */
export function lmForward(model: MambaModel, ids: readonly (readonly number[])[], options: LmOptions = {}): LmOutputs {
  const { batch, length } = checkTokenIds(ids, model.config.vocabSize);
  const { normEpsilon } = model.config;
  const rows = batch * length;
  let residual = embed(model, ids.flat());
  const residuals = [residual];
  const layers = model.layers.map((layer, i) => {
    const normed = rmsNorm(residual, rows, layer.norm, normEpsilon);
    const block = mambaBlockForward(layer.mixer, normed, batch, length, {
      overrides: options.overrides?.[i],
      rule: options.rule,
      keepStates: options.keepStates,
    });
    residual = residual.map((v, j) => v + block.output[j]);
    residuals.push(residual);
    return block;
  });
  return { batch, length, ...head(model, residual, rows), residuals, layers };
}

/** The decoding state of the whole model: one BlockState per layer, constant size whatever the position. */
export type LmState = BlockState[];

export function initialLmState(model: MambaModel): LmState {
  return model.layers.map((layer) => initialBlockState(layer.mixer));
}

/** One token through the model: its logits (vocab) and the next state (the given state is not modified). */
export function lmStep(model: MambaModel, state: LmState, id: number, rule: BRule = "mamba"): { logits: Float64Array; state: LmState } {
  checkTokenIds([[id]], model.config.vocabSize);
  let residual = embed(model, [id]);
  const next = model.layers.map((layer, i) => {
    const step = mambaBlockStep(layer.mixer, state[i], rmsNorm(residual, 1, layer.norm, model.config.normEpsilon), rule);
    residual = residual.map((v, j) => v + step.output[j]);
    return step.state;
  });
  return { logits: head(model, residual, 1).logits, state: next };
}
