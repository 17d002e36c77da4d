/**
 * HuggingFace `config.json` for Mamba (MambaConfig), validated into the engine's MambaConfig. The
 * official repository's names (d_model, n_layer, pad_vocab_size_multiple) are accepted too.
 */
import { check } from "./errors.js";
import { isObject } from "./tensor-json.js";
import type { BlockDims, MambaConfig } from "./types.js";

/** Parses and validates a config; throws EngineError naming the first bad field. */
export function parseMambaConfig(json: unknown, label = "config.json"): MambaConfig {
  check(isObject(json), `${label}: expected a JSON object`);
  const field = (names: string[], fallback?: number | boolean): unknown => {
    for (const name of names) if (json[name] !== undefined && json[name] !== null) return json[name];
    check(fallback !== undefined, `${label}: missing "${names[0]}"`);
    return fallback;
  };
  const positiveInteger = (names: string[], fallback?: number): number => {
    const value = field(names, fallback);
    check(Number.isInteger(value) && (value as number) > 0, `${label}: "${names[0]}" must be a positive integer, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = field([name], fallback);
    check(typeof value === "boolean", `${label}: "${name}" must be true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  const dModel = positiveInteger(["hidden_size", "d_model"]);
  // Only the official repository pads the vocabulary; HF stores the padded size in vocab_size already.
  const padMultiple = json.hidden_size === undefined ? positiveInteger(["pad_vocab_size_multiple"], 1) : 1;
  const rawRank = field(["time_step_rank", "dt_rank"], "auto" as unknown as number);
  const dtRank = rawRank === "auto" ? Math.ceil(dModel / 16) : rawRank;
  check(Number.isInteger(dtRank) && (dtRank as number) > 0, `${label}: "time_step_rank" must be a positive integer or "auto", got ${JSON.stringify(rawRank)}`);
  const normEpsilon = field(["layer_norm_epsilon", "norm_epsilon"], 1e-5);
  check(typeof normEpsilon === "number" && normEpsilon > 0, `${label}: "layer_norm_epsilon" must be a positive number, got ${JSON.stringify(normEpsilon)}`);
  return {
    vocabSize: Math.ceil(positiveInteger(["vocab_size"]) / padMultiple) * padMultiple,
    dModel,
    dInner:
      json.intermediate_size === undefined && json.d_inner === undefined
        ? positiveInteger(["expand"], 2) * dModel
        : positiveInteger(["intermediate_size", "d_inner"]),
    dState: positiveInteger(["state_size", "d_state"], 16),
    dtRank: dtRank as number,
    convWidth: positiveInteger(["conv_kernel", "d_conv"], 4),
    numLayers: positiveInteger(["num_hidden_layers", "n_layer"]),
    useBias: flag("use_bias", false),
    useConvBias: flag("use_conv_bias", true),
    normEpsilon,
    tieEmbeddings: flag("tie_word_embeddings", true),
  };
}

/** The HF config.json that `parseMambaConfig` reads back to the same config. */
export function toHfConfig(config: MambaConfig): Record<string, unknown> {
  return {
    architectures: ["MambaForCausalLM"],
    model_type: "mamba",
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    intermediate_size: config.dInner,
    state_size: config.dState,
    time_step_rank: config.dtRank,
    conv_kernel: config.convWidth,
    num_hidden_layers: config.numLayers,
    use_bias: config.useBias,
    use_conv_bias: config.useConvBias,
    layer_norm_epsilon: config.normEpsilon,
    tie_word_embeddings: config.tieEmbeddings,
    ...(Number.isInteger(config.dInner / config.dModel) ? { expand: config.dInner / config.dModel } : {}),
  };
}

/** The per-block sizes of a config. */
export function blockDims(config: MambaConfig): BlockDims {
  return { dModel: config.dModel, dInner: config.dInner, dState: config.dState, dtRank: config.dtRank, convWidth: config.convWidth };
}
