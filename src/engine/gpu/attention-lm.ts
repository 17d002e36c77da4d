/**
 * Chapter 7's attention baseline (src/engine/attention-model.ts, the float64 reference of the same function) on the
 * active tfjs backend, from the embedding to the logits, one readback at the end:
 *   per layer  h ← h + W_o · softmax(RoPE(q) RoPE(k)ᵀ / √d_head, causal) v;  h ← h + W_down(SiLU(W_gate x) ⊙ W_up x)
 * The scores of a head are (L × L): queries go in blocks so that one block's scores stay below SCORE_BUDGET floats,
 * which is what lets the page run it at a few thousand tokens. Cost and memory still grow with L², unlike the scan.
 */
import * as tf from "@tensorflow/tfjs-core";
import { rotaryTables, type AttentionModel } from "../attention-model.js";
import { checkTokenIds } from "../model.js";

/** Scores held at once: heads × query block × keys (16 M floats, 64 MB). */
const SCORE_BUDGET = 2 ** 24;

export interface UploadedAttentionModel {
  model: AttentionModel;
  embedding: tf.Tensor2D;
  head: tf.Tensor2D;
  normF: tf.Tensor1D;
  layers: { inputNorm: tf.Tensor1D; postNorm: tf.Tensor1D; query: tf.Tensor2D; key: tf.Tensor2D; value: tf.Tensor2D; output: tf.Tensor2D; gate: tf.Tensor2D; up: tf.Tensor2D; down: tf.Tensor2D }[];
}

/** Uploads every weight (float32). */
export function uploadAttentionModel(model: AttentionModel): UploadedAttentionModel {
  const { vocabSize, dModel, dFF } = model.config;
  const matrix = (values: ArrayLike<number>, rows: number, columns: number) => tf.tensor2d(Float32Array.from(values), [rows, columns]);
  const vector = (values: ArrayLike<number>) => tf.tensor1d(Float32Array.from(values));
  const embedding = matrix(model.embedding, vocabSize, dModel);
  return {
    model,
    embedding,
    head: model.lmHead ? matrix(model.lmHead, vocabSize, dModel) : embedding,
    normF: vector(model.normF),
    layers: model.layers.map((layer) => ({
      inputNorm: vector(layer.inputNorm),
      postNorm: vector(layer.postNorm),
      query: matrix(layer.query, dModel, dModel),
      key: matrix(layer.key, dModel, dModel),
      value: matrix(layer.value, dModel, dModel),
      output: matrix(layer.output, dModel, dModel),
      gate: matrix(layer.gate, dFF, dModel),
      up: matrix(layer.up, dFF, dModel),
      down: matrix(layer.down, dModel, dFF),
    })),
  };
}

export function disposeAttentionModel(uploaded: UploadedAttentionModel): void {
  const tensors: tf.Tensor[] = [uploaded.embedding, uploaded.normF, ...uploaded.layers.flatMap((layer) => Object.values(layer))];
  if (uploaded.head !== uploaded.embedding) tensors.push(uploaded.head);
  tf.dispose(tensors);
}

function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon))), weight);
}

/** x (heads, L, d) rotated: x·cos + rotate_half(x)·sin with cos, sin (L, d). */
function rotate(x: tf.Tensor3D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor3D {
  const half = x.shape[2] / 2;
  const [first, second] = tf.split(x, [half, half], 2);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(second), first], 2), sin));
}

/** Causal attention of q, k, v (heads, L, d), queries in blocks: (heads, L, d). */
function blockedAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  const [heads, length, headDim] = q.shape;
  const block = Math.max(1, Math.min(length, Math.floor(SCORE_BUDGET / (heads * length))));
  const parts: tf.Tensor3D[] = [];
  for (let start = 0; start < length; start += block) {
    const size = Math.min(block, length - start);
    const end = start + size;
    parts.push(
      tf.tidy(() => {
        const queries = tf.slice(q, [0, start, 0], [heads, size, headDim]);
        const keys = tf.slice(k, [0, 0, 0], [heads, end, headDim]);
        const scores = tf.div(tf.matMul(queries, keys, false, true), Math.sqrt(headDim));
        // Row i (position start + i) sees keys j ≤ start + i: the band with at most `start` keys above the diagonal.
        const allowed = tf.linalg.bandPart(tf.ones([size, end]), -1, start);
        const weights = tf.softmax(tf.sub(scores, tf.mul(tf.sub(1, allowed), 1e9)));
        return tf.matMul(weights, tf.slice(v, [0, 0, 0], [heads, end, headDim]));
      }),
    );
  }
  const mixed = tf.concat(parts, 1);
  tf.dispose(parts);
  return mixed;
}

/** The logits (length, vocab) of one sequence. */
export async function gpuAttentionForward(uploaded: UploadedAttentionModel, ids: readonly number[]): Promise<Float32Array> {
  const { model } = uploaded;
  const { length } = checkTokenIds([ids], model.config.vocabSize);
  const { dModel, numHeads, headDim, normEpsilon, ropeTheta } = model.config;
  const tables = rotaryTables(length, headDim, ropeTheta);
  const logits = tf.tidy(() => {
    const cos = tf.tensor2d(Float32Array.from(tables.cos), [length, headDim]);
    const sin = tf.tensor2d(Float32Array.from(tables.sin), [length, headDim]);
    const heads = (x: tf.Tensor2D) => tf.transpose(tf.reshape(x, [length, numHeads, headDim]), [1, 0, 2]) as tf.Tensor3D;
    let h = tf.gather(uploaded.embedding, tf.tensor1d(Int32Array.from(ids), "int32")) as tf.Tensor2D;
    for (const layer of uploaded.layers) {
      const x = rmsNorm(h, layer.inputNorm, normEpsilon);
      const q = rotate(heads(tf.matMul(x, layer.query, false, true)), cos, sin);
      const k = rotate(heads(tf.matMul(x, layer.key, false, true)), cos, sin);
      const v = heads(tf.matMul(x, layer.value, false, true));
      const mixed = tf.reshape(tf.transpose(blockedAttention(q, k, v), [1, 0, 2]), [length, dModel]) as tf.Tensor2D;
      h = tf.add(h, tf.matMul(mixed, layer.output, false, true));
      const y = rmsNorm(h, layer.postNorm, normEpsilon);
      const gate = tf.matMul(y, layer.gate, false, true);
      const hidden = tf.mul(tf.mul(gate, tf.sigmoid(gate)), tf.matMul(y, layer.up, false, true)) as tf.Tensor2D;
      h = tf.add(h, tf.matMul(hidden, layer.down, false, true));
    }
    return tf.matMul(rmsNorm(h, uploaded.normF, normEpsilon), uploaded.head, false, true);
  });
  const values = (await logits.data()) as Float32Array;
  logits.dispose();
  return values;
}
