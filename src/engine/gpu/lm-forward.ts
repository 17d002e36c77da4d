/**
 * The whole language model (MAMBA-SPEC §5, residual stack) on the active tfjs backend, every tensor
 * on the GPU from the embedding to the logits, one readback at the end:
 *   h ← Embedding[ids];  for every layer h ← h + Block(RMSNorm(h));  logits = RMSNorm_f(h) · Embeddingᵀ.
 * The blocks are block-forward.ts's; readers' overrides go to one chosen layer, whose Δ, B, C and
 * output come back too. Pick the backend first with createGpuEngine (it probes and activates it).
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkTokenIds } from "../model.js";
import type { MambaModel, ScanOverrides } from "../types.js";
import { blockForwardTensors, disposeBlock, uploadBlock, type BlockTensors } from "./block-forward.js";

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

export interface GpuLmOptions {
  /** The layer whose Δ, B, C and output come back, and which receives `overrides`. */
  inspectLayer?: number;
  overrides?: ScanOverrides;
}

/** One forward of a sequence (batch 1), in host memory. */
export interface GpuLmResult {
  /** (length, vocab) */
  logits: Float32Array;
  /** The inspected layer's tensors: delta (length, dInner), B and C (length, dState), output (length, dModel). */
  layer?: { delta: Float32Array; B: Float32Array; C: Float32Array; output: Float32Array };
}

/** What one forward leaves on the GPU, new tensors owned by the caller. */
export interface ModelRunTensors {
  /** (batch, length, vocab) */
  logits: tf.Tensor;
  /** The inspected layer's delta (batch, length, dInner), B and C (batch, length, dState), output (batch, length, dModel). */
  inspected: tf.Tensor[];
}

/** Runs `ids` (batch × length) through the uploaded model; nothing is read back. */
export function modelForwardTensors(uploaded: UploadedModel, ids: readonly (readonly number[])[], options: GpuLmOptions = {}): ModelRunTensors {
  const { model } = uploaded;
  const { batch, length } = checkTokenIds(ids, model.config.vocabSize);
  const { dModel, vocabSize, normEpsilon } = model.config;
  const rows = batch * length;
  const inspect = options.inspectLayer;
  return tf.tidy(() => {
    let residual = tf.gather(uploaded.embedding, tf.tensor1d(Int32Array.from(ids.flat()), "int32")) as tf.Tensor2D;
    let inspected: tf.Tensor[] = [];
    uploaded.blocks.forEach((block, i) => {
      const normed = rmsNorm(residual, uploaded.norms[i], normEpsilon);
      const result = blockForwardTensors(block, tf.reshape(normed, [batch, length, dModel]) as tf.Tensor3D, {
        overrides: i === inspect ? options.overrides : undefined,
      });
      residual = tf.add(residual, tf.reshape(result.output, [rows, dModel]));
      if (i === inspect) inspected = [result.delta, result.B, result.C, result.output];
    });
    const logits = tf.reshape(tf.matMul(rmsNorm(residual, uploaded.normF, normEpsilon), uploaded.head, false, true), [batch, length, vocabSize]);
    return { logits, inspected };
  });
}

/** Runs `ids` through the uploaded model on the GPU; reads everything back once. */
export async function gpuLmForward(uploaded: UploadedModel, ids: readonly number[], options: GpuLmOptions = {}): Promise<GpuLmResult> {
  const { logits, inspected } = modelForwardTensors(uploaded, [ids], options);
  const parts = [logits, ...inspected].map((t) => tf.reshape(t, [-1]));
  const sizes = parts.map((t) => t.size);
  const packed = tf.concat(parts);
  const values = (await packed.data()) as Float32Array;
  tf.dispose([packed, ...parts, logits, ...inspected]);
  const slices: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    slices.push(values.slice(offset, offset + size));
    offset += size;
  }
  const [logitValues, delta, B, C, output] = slices;
  return { logits: logitValues, layer: options.inspectLayer === undefined || !delta ? undefined : { delta, B, C, output } };
}
