/**
 * The Mamba language model (src/math.md#model): embedding, then for every layer
 * h ← h + Mixer(RMSNorm(h)), then logits = RMSNorm_f(h) · Headᵀ, the head tied to the embedding
 * unless the model has its own. Full-sequence forward with every intermediate, and one-token decoding.
 */
import { initialBlockState, mambaBlockForward, mambaBlockStep, type BlockState } from "./block.js";
import type { LayerRun, ModelOptions, ModelRun } from "./engine.js";
import { check } from "./errors.js";
import { linear, rmsNorm } from "./layers.js";
import type { DiscretisationRule, MambaModel } from "./types.js";

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

/** logits = RMSNorm_f(residual) · Headᵀ: (rows, dModel) → (rows, vocab). */
function head(model: MambaModel, residual: Float64Array, rows: number): Float64Array {
  const { dModel, vocabSize, normEpsilon } = model.config;
  return linear(rmsNorm(residual, rows, model.normF, normEpsilon), rows, model.lmHead ?? model.embedding, undefined, dModel, vocabSize);
}

/** Runs the whole model on ids (batch × length), every layer's tensors kept (engine.ts ModelRun). */
export function lmForward(model: MambaModel, ids: readonly (readonly number[])[], options: ModelOptions = {}): ModelRun<Float64Array> {
  const { batch, length } = checkTokenIds(ids, model.config.vocabSize);
  const { normEpsilon, vocabSize } = model.config;
  const rows = batch * length;
  const embedded = embed(model, ids.flat());
  let residual = embedded;
  const layers: LayerRun<Float64Array>[] = model.layers.map((layer, i) => {
    const block = mambaBlockForward(layer.mixer, rmsNorm(residual, rows, layer.norm, normEpsilon), batch, length, {
      overrides: options.overrides?.[i],
      rule: options.rule,
      states: options.statesOf?.includes(i),
    });
    residual = residual.map((v, j) => v + block.out[j]);
    return { ...block, residual };
  });
  return { batch, length, vocab: vocabSize, embedded, layers: options.logitsOnly ? [] : layers, logits: head(model, residual, rows) };
}

/** The decoding state of the whole model: one BlockState per layer, constant size whatever the position. */
export type LmState = BlockState[];

export function initialLmState(model: MambaModel): LmState {
  return model.layers.map((layer) => initialBlockState(layer.mixer));
}

/** One token through the model: its logits (vocab) and the next state (the given state is not modified). */
export function lmStep(model: MambaModel, state: LmState, id: number, rule: DiscretisationRule = "mamba"): { logits: Float64Array; state: LmState } {
  checkTokenIds([[id]], model.config.vocabSize);
  let residual = embed(model, [id]);
  const next = model.layers.map((layer, i) => {
    const step = mambaBlockStep(layer.mixer, state[i], rmsNorm(residual, 1, layer.norm, model.config.normEpsilon), rule);
    residual = residual.map((v, j) => v + step.out[j]);
    return step.state;
  });
  return { logits: head(model, residual, 1), state: next };
}
