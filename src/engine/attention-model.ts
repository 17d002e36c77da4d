/**
 * The attention baseline of chapter 7 in float64: a pre-norm decoder with rotary positions, in the parameter
 * layout of HuggingFace's LlamaForCausalLM (docs/attention-model.md; trained by train/memory_tasks.py):
 *
 *   h ← E[ids]
 *   per layer:  x = RMSNorm(h);  h ← h + W_o · concat_heads softmax(q kᵀ / √d_head, causal) v
 *               x = RMSNorm(h);  h ← h + W_down (SiLU(W_gate x) ⊙ W_up x)
 *   logits = RMSNorm_f(h) · Eᵀ (tied head unless lm_head.weight is given)
 *
 * with q = RoPE(W_q x), k = RoPE(W_k x), v = W_v x per head. RoPE turns the pair (x_i, x_{i+d/2}) of a head
 * vector at position t by the angle t · θ^(−2i/d) (Llama's rotate_half convention). Unlike Mamba's state, what
 * a token can look back at grows with the sequence: every key and value stays (the KV cache), and the cost of
 * one forward is quadratic in the length.
 */
import { silu } from "./activations.js";
import { check } from "./errors.js";
import { linear, rmsNorm } from "./layers.js";
import { checkTokenIds } from "./model.js";
import { readSafetensors, type SafetensorsFile } from "./safetensors.js";
import { isObject } from "./tensor-json.js";
import type { Numbers } from "./types.js";

export interface AttentionConfig {
  vocabSize: number;
  dModel: number;
  numLayers: number;
  numHeads: number;
  headDim: number;
  /** Width of the gated MLP (intermediate_size). */
  dFF: number;
  normEpsilon: number;
  /** RoPE base θ. */
  ropeTheta: number;
  /** max_position_embeddings: the length the model was trained at; longer inputs run, untrained. */
  trainedLength: number;
  tieEmbeddings: boolean;
}

export interface AttentionLayerWeights {
  /** (dModel) each */
  inputNorm: Numbers;
  postNorm: Numbers;
  /** (dModel, dModel) each, row-major (out, in) */
  query: Numbers;
  key: Numbers;
  value: Numbers;
  output: Numbers;
  /** (dFF, dModel) */
  gate: Numbers;
  up: Numbers;
  /** (dModel, dFF) */
  down: Numbers;
}

export interface AttentionModel {
  kind: "attention";
  config: AttentionConfig;
  /** (vocab, dModel) */
  embedding: Numbers;
  layers: AttentionLayerWeights[];
  /** (dModel) */
  normF: Numbers;
  /** (vocab, dModel), only when the head is not tied */
  lmHead?: Numbers;
}

/** True when a parsed config.json describes this layout (model_type "llama"), so the CLI can pick the engine. */
export function isAttentionConfig(json: unknown): boolean {
  return isObject(json) && json.model_type === "llama";
}

/** Validates a LlamaForCausalLM config.json of the supported kind; throws EngineError naming the first bad field. */
export function parseAttentionConfig(json: unknown, label = "config.json"): AttentionConfig {
  check(isObject(json), `${label}: expected a JSON object`);
  check(json.model_type === "llama", `${label}: "model_type" must be "llama" for the attention model, got ${JSON.stringify(json.model_type)}`);
  const positive = (name: string, fallback?: number): number => {
    const value = json[name] ?? fallback;
    check(Number.isInteger(value) && (value as number) > 0, `${label}: "${name}" must be a positive integer, got ${JSON.stringify(json[name])}`);
    return value as number;
  };
  const dModel = positive("hidden_size");
  const numHeads = positive("num_attention_heads");
  const headDim = positive("head_dim", dModel / numHeads);
  check(headDim * numHeads === dModel, `${label}: num_attention_heads × head_dim must equal hidden_size (${numHeads} × ${headDim} ≠ ${dModel})`);
  check(headDim % 2 === 0, `${label}: "head_dim" must be even for rotary positions, got ${headDim}`);
  const kvHeads = json.num_key_value_heads ?? numHeads;
  check(kvHeads === numHeads, `${label}: num_key_value_heads = ${JSON.stringify(kvHeads)} (grouped-query attention) is not supported; it must equal num_attention_heads = ${numHeads}`);
  check((json.hidden_act ?? "silu") === "silu", `${label}: "hidden_act" must be "silu", got ${JSON.stringify(json.hidden_act)}`);
  for (const flag of ["attention_bias", "mlp_bias"]) check(json[flag] === undefined || json[flag] === false, `${label}: "${flag}" = true is not supported`);
  const rope = isObject(json.rope_parameters) ? json.rope_parameters : {};
  check((rope.rope_type ?? "default") === "default", `${label}: only the default rotary embedding is supported, got rope_type ${JSON.stringify(rope.rope_type)}`);
  check(json.rope_scaling === undefined || json.rope_scaling === null, `${label}: "rope_scaling" is not supported`);
  const ropeTheta = json.rope_theta ?? rope.rope_theta ?? 10000;
  check(typeof ropeTheta === "number" && ropeTheta > 1, `${label}: "rope_theta" must be a number > 1, got ${JSON.stringify(ropeTheta)}`);
  const normEpsilon = json.rms_norm_eps ?? 1e-6;
  check(typeof normEpsilon === "number" && normEpsilon > 0, `${label}: "rms_norm_eps" must be a positive number, got ${JSON.stringify(normEpsilon)}`);
  const tie = json.tie_word_embeddings ?? false;
  check(typeof tie === "boolean", `${label}: "tie_word_embeddings" must be true or false, got ${JSON.stringify(tie)}`);
  return {
    vocabSize: positive("vocab_size"),
    dModel,
    numLayers: positive("num_hidden_layers"),
    numHeads,
    headDim,
    dFF: positive("intermediate_size"),
    normEpsilon,
    ropeTheta,
    trainedLength: positive("max_position_embeddings", 2048),
    tieEmbeddings: tie,
  };
}

/** Builds the model from config.json and the bytes of model.safetensors; throws EngineError on any mismatch. */
export function loadAttentionCheckpoint(configJson: unknown, weights: Uint8Array, label = "model.safetensors"): AttentionModel {
  const config = parseAttentionConfig(configJson);
  const file = readSafetensors(weights, label);
  const { vocabSize, dModel, dFF, numLayers } = config;
  const take = (name: string, shape: number[]) => tensor(file, label, name, shape);
  check(file.tensors.has(`model.layers.${numLayers - 1}.input_layernorm.weight`), `${label}: config.json has num_hidden_layers = ${numLayers} but the file has no model.layers.${numLayers - 1}`);
  const layers = Array.from({ length: numLayers }, (_, i): AttentionLayerWeights => {
    const p = `model.layers.${i}.`;
    return {
      inputNorm: take(`${p}input_layernorm.weight`, [dModel]),
      postNorm: take(`${p}post_attention_layernorm.weight`, [dModel]),
      query: take(`${p}self_attn.q_proj.weight`, [dModel, dModel]),
      key: take(`${p}self_attn.k_proj.weight`, [dModel, dModel]),
      value: take(`${p}self_attn.v_proj.weight`, [dModel, dModel]),
      output: take(`${p}self_attn.o_proj.weight`, [dModel, dModel]),
      gate: take(`${p}mlp.gate_proj.weight`, [dFF, dModel]),
      up: take(`${p}mlp.up_proj.weight`, [dFF, dModel]),
      down: take(`${p}mlp.down_proj.weight`, [dModel, dFF]),
    };
  });
  const untied = !config.tieEmbeddings;
  check(!untied || file.tensors.has("lm_head.weight"), `${label}: missing tensor lm_head.weight (config.json has tie_word_embeddings = false)`);
  return {
    kind: "attention",
    config,
    embedding: take("model.embed_tokens.weight", [vocabSize, dModel]),
    layers,
    normF: take("model.norm.weight", [dModel]),
    lmHead: untied ? take("lm_head.weight", [vocabSize, dModel]) : undefined,
  };
}

function tensor(file: SafetensorsFile, label: string, name: string, shape: number[]): Numbers {
  const entry = file.tensors.get(name);
  check(entry !== undefined, `${label}: missing tensor ${name}`);
  check(
    entry.shape.length === shape.length && entry.shape.every((s, i) => s === shape[i]),
    `${label}: tensor ${name} has shape [${entry.shape.join(", ")}], expected [${shape.join(", ")}] from config.json`,
  );
  const values = entry.decode();
  const bad = values.findIndex((v) => !Number.isFinite(v));
  check(bad < 0, `${label}: tensor ${name} has a value that is not finite (${values[bad]}) at index ${bad}; the file is corrupted`);
  return values;
}

/** cos and sin of the rotary angles, (length, headDim): angle[t][i] = angle[t][i + d/2] = t · θ^(−2i/d). */
export function rotaryTables(length: number, headDim: number, theta: number): { cos: Float64Array; sin: Float64Array } {
  const half = headDim / 2;
  const cos = new Float64Array(length * headDim);
  const sin = new Float64Array(length * headDim);
  for (let t = 0; t < length; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * theta ** (-(2 * i) / headDim);
      cos[t * headDim + i] = cos[t * headDim + i + half] = Math.cos(angle);
      sin[t * headDim + i] = sin[t * headDim + i + half] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** Rotates every head vector of x (rows = batch·length, numHeads·headDim) in place: x·cos + rotate_half(x)·sin. */
function applyRotary(x: Float64Array, batch: number, length: number, numHeads: number, headDim: number, tables: { cos: Float64Array; sin: Float64Array }): void {
  const half = headDim / 2;
  for (let row = 0; row < batch * length; row++) {
    const t = row % length;
    for (let h = 0; h < numHeads; h++) {
      const base = (row * numHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const first = x[base + i];
        const second = x[base + i + half];
        x[base + i] = first * tables.cos[t * headDim + i] - second * tables.sin[t * headDim + i];
        x[base + i + half] = second * tables.cos[t * headDim + i + half] + first * tables.sin[t * headDim + i + half];
      }
    }
  }
}

/**
 * Causal attention for the query positions `queries` of every sequence: for each head,
 * out_t = Σ_{j ≤ t} softmax_j(q_t · k_j / √d) v_j. q, k, v (batch·length, numHeads·headDim), rotated already.
 * Returns out (batch·queries.length, dModel) and, with keepLast, the last query's weights (numHeads, t + 1) per batch row.
 */
function causalAttention(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  batch: number,
  length: number,
  config: AttentionConfig,
  queries: readonly number[],
  keepLast: boolean,
): { mixed: Float64Array; weights: Float64Array[] } {
  const { numHeads, headDim, dModel } = config;
  const scale = 1 / Math.sqrt(headDim);
  const mixed = new Float64Array(batch * queries.length * dModel);
  const weights: Float64Array[] = [];
  const scores = new Float64Array(length);
  for (let b = 0; b < batch; b++) {
    queries.forEach((t, qi) => {
      const kept = keepLast && qi === queries.length - 1 ? new Float64Array(numHeads * (t + 1)) : undefined;
      for (let h = 0; h < numHeads; h++) {
        const qBase = ((b * length + t) * numHeads + h) * headDim;
        let largest = -Infinity;
        for (let j = 0; j <= t; j++) {
          const kBase = ((b * length + j) * numHeads + h) * headDim;
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += q[qBase + i] * k[kBase + i];
          scores[j] = dot * scale;
          if (scores[j] > largest) largest = scores[j];
        }
        let total = 0;
        for (let j = 0; j <= t; j++) total += scores[j] = Math.exp(scores[j] - largest);
        const outBase = (b * queries.length + qi) * dModel + h * headDim;
        for (let j = 0; j <= t; j++) {
          const p = scores[j] / total;
          if (kept) kept[h * (t + 1) + j] = p;
          const vBase = ((b * length + j) * numHeads + h) * headDim;
          for (let i = 0; i < headDim; i++) mixed[outBase + i] += p * v[vBase + i];
        }
      }
      if (kept) weights.push(kept);
    });
  }
  return { mixed, weights };
}

export interface AttentionLmOptions {
  /** The positions whose logits are needed (default: all). The last layer runs its attention and MLP there only. */
  positions?: readonly number[];
  /** Keep every layer's attention weights of the last requested position (numHeads, position + 1) per batch row. */
  keepLastWeights?: boolean;
}

export interface AttentionLmOutputs {
  batch: number;
  length: number;
  /** The positions the logits are for. */
  positions: number[];
  /** (batch, positions.length, vocab) */
  logits: Float64Array;
  /** Per layer, per batch row: the attention weights (numHeads, t + 1) of the last position, with keepLastWeights. */
  lastWeights?: Float64Array[][];
}

/** The model on ids (batch × length). */
export function attentionLmForward(model: AttentionModel, ids: readonly (readonly number[])[], options: AttentionLmOptions = {}): AttentionLmOutputs {
  const { batch, length } = checkTokenIds(ids, model.config.vocabSize);
  const { dModel, dFF, numHeads, headDim, normEpsilon, ropeTheta, vocabSize, numLayers } = model.config;
  const all = Array.from({ length }, (_, t) => t);
  const positions = [...(options.positions ?? all)];
  check(positions.length > 0 && positions.every((t) => Number.isInteger(t) && t >= 0 && t < length), `attention model: every position must be an integer from 0 to ${length - 1}`);
  const tables = rotaryTables(length, headDim, ropeTheta);
  let residual = new Float64Array(batch * length * dModel);
  ids.flat().forEach((id, i) => residual.set(model.embedding.subarray(id * dModel, (id + 1) * dModel), i * dModel));
  const lastWeights: Float64Array[][] = [];
  model.layers.forEach((layer, index) => {
    const queries = index === numLayers - 1 ? positions : all;
    const rows = batch * length;
    const x = rmsNorm(residual, rows, layer.inputNorm, normEpsilon);
    const q = linear(x, rows, layer.query, undefined, dModel, dModel);
    const k = linear(x, rows, layer.key, undefined, dModel, dModel);
    const v = linear(x, rows, layer.value, undefined, dModel, dModel);
    applyRotary(q, batch, length, numHeads, headDim, tables);
    applyRotary(k, batch, length, numHeads, headDim, tables);
    const { mixed, weights } = causalAttention(q, k, v, batch, length, model.config, queries, options.keepLastWeights === true);
    lastWeights.push(weights);
    const outRows = batch * queries.length;
    const kept = new Float64Array(outRows * dModel);
    for (let b = 0; b < batch; b++) {
      queries.forEach((t, qi) => kept.set(residual.subarray((b * length + t) * dModel, (b * length + t + 1) * dModel), (b * queries.length + qi) * dModel));
    }
    const attended = linear(mixed, outRows, layer.output, undefined, dModel, dModel).map((value, i) => value + kept[i]);
    const normed = rmsNorm(attended, outRows, layer.postNorm, normEpsilon);
    const gate = linear(normed, outRows, layer.gate, undefined, dModel, dFF);
    const up = linear(normed, outRows, layer.up, undefined, dModel, dFF);
    const hidden = gate.map((g, i) => silu(g) * up[i]);
    residual = linear(hidden, outRows, layer.down, undefined, dFF, dModel).map((value, i) => value + attended[i]);
  });
  const rows = batch * positions.length;
  const logits = linear(rmsNorm(residual, rows, model.normF, normEpsilon), rows, model.lmHead ?? model.embedding, undefined, dModel, vocabSize);
  return { batch, length, positions, logits, lastWeights: options.keepLastWeights ? lastWeights : undefined };
}
