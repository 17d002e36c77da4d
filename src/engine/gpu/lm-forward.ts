/**
 * The whole language model (src/math.md#model) on the active tfjs backend, every tensor on the GPU from
 * the embedding to the logits:
 *   h ← Embedding[ids];  for every layer h ← h + Block(RMSNorm(h));  logits = RMSNorm_f(h) · Headᵀ.
 * The blocks are block-forward.ts's; gpu/engine.ts reads the result back once. Pick the backend first
 * (gpu/engine.ts createGpuEngine probes and activates it).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ModelOptions } from "../engine.js";
import { checkTokenIds } from "../model.js";
import type { MambaModel } from "../types.js";
import { blockForwardTensors, disposeBlock, linear, uploadBlock, type BlockRunTensors, type BlockTensors } from "./block-forward.js";

/** A model's weights on the active backend. */
export interface UploadedModel {
  model: MambaModel;
  backend: string;
  /** (vocab, dModel) */
  embedding: tf.Tensor2D;
  /** (vocab, dModel): the head, the embedding itself when tied */
  head: tf.Tensor2D;
  norms: tf.Tensor1D[];
  normF: tf.Tensor1D;
  blocks: BlockTensors[];
}

/** Uploads every weight of `model` to the active backend (float32). */
export function uploadModel(model: MambaModel): UploadedModel {
  const { vocabSize, dModel } = model.config;
  const embedding = tf.tensor2d(Float32Array.from(model.embedding), [vocabSize, dModel]);
  return {
    model,
    backend: tf.getBackend(),
    embedding,
    head: model.lmHead ? tf.tensor2d(Float32Array.from(model.lmHead), [vocabSize, dModel]) : embedding,
    norms: model.layers.map((layer) => tf.tensor1d(Float32Array.from(layer.norm))),
    normF: tf.tensor1d(Float32Array.from(model.normF)),
    blocks: model.layers.map((layer) => uploadBlock(layer.mixer)),
  };
}

export function disposeModel(uploaded: UploadedModel): void {
  uploaded.blocks.forEach(disposeBlock);
  tf.dispose([uploaded.embedding, uploaded.head, uploaded.normF, ...uploaded.norms]);
}

/** RMSNorm(v) = v / sqrt(mean(v²) + ε) ⊙ w over the last axis of x (rows, dModel). */
function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon))), weight);
}

/** What one model forward leaves on the GPU: engine.ts ModelRun's tensors. */
export interface ModelRunTensors {
  /** (batch, length, dModel) */
  embedded: tf.Tensor;
  layers: (BlockRunTensors & { residual: tf.Tensor })[];
  /** (batch, length, vocab) */
  logits: tf.Tensor;
}

/** Runs `ids` (batch × length) through the uploaded model; every returned tensor is new and owned by the caller. */
export function modelForwardTensors(uploaded: UploadedModel, ids: readonly (readonly number[])[], options: ModelOptions = {}): ModelRunTensors {
  const { model } = uploaded;
  const { batch, length } = checkTokenIds(ids, model.config.vocabSize);
  const { dModel, vocabSize, normEpsilon } = model.config;
  const rows = batch * length;
  return tf.tidy(() => {
    const embedded = tf.reshape(tf.gather(uploaded.embedding, tf.tensor1d(Int32Array.from(ids.flat()), "int32")), [batch, length, dModel]);
    let residual = tf.reshape(embedded, [rows, dModel]) as tf.Tensor2D;
    const layers = uploaded.blocks.map((block, i) => {
      const normed = tf.reshape(rmsNorm(residual, uploaded.norms[i], normEpsilon), [batch, length, dModel]) as tf.Tensor3D;
      const run = blockForwardTensors(block, normed, { overrides: options.overrides?.[i], rule: options.rule, states: options.statesOf?.includes(i) });
      residual = tf.add(residual, tf.reshape(run.out, [rows, dModel]));
      return { ...run, residual: tf.reshape(residual, [batch, length, dModel]) };
    });
    const logits = tf.reshape(linear(rmsNorm(residual, uploaded.normF, normEpsilon), uploaded.head), [batch, length, vocabSize]);
    return { embedded, layers, logits };
  });
}
