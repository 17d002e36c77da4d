/**
 * Mamba checkpoints as HuggingFace writes them (`config.json` + `model.safetensors`), from and to
 * bytes. Key names: `backbone.embeddings.weight` (or the official repository's
 * `backbone.embedding.weight`), `backbone.layers.{i}.norm.weight`, `backbone.layers.{i}.mixer.*`,
 * `backbone.norm_f.weight`, and `lm_head.weight` only when the head is not tied.
 */
import { check } from "./errors.js";
import { blockDims, parseMambaConfig, toHfConfig } from "./hf-config.js";
import { readSafetensors, writeSafetensors, type SafetensorsDtype, type SafetensorsFile, type TensorToWrite } from "./safetensors.js";
import type { MambaBlockWeights, MambaConfig, MambaModel, Numbers } from "./types.js";

const EMBEDDING_NAMES = ["backbone.embeddings.weight", "backbone.embedding.weight"];

/** Builds a model from a parsed config.json and the bytes of model.safetensors; throws EngineError on any mismatch. */
export function loadMambaCheckpoint(configJson: unknown, weights: Uint8Array, weightsLabel = "model.safetensors"): MambaModel {
  const config = parseMambaConfig(configJson);
  const file = readSafetensors(weights, weightsLabel);
  const take = (name: string, shape: number[]) => tensor(file, weightsLabel, name, shape);
  const optional = (name: string, shape: number[], expected: boolean, flag: string) => {
    const present = file.tensors.has(name);
    check(
      present === expected,
      `${weightsLabel}: tensor ${name} is ${present ? "present" : "missing"} but config.json has ${flag} = ${expected}`,
    );
    return present ? take(name, shape) : undefined;
  };
  const { vocabSize, dModel, dInner, dState, dtRank, convWidth, numLayers, useBias, useConvBias } = config;
  // Checked before the layers are built, so a forged num_hidden_layers allocates nothing.
  check(
    file.tensors.has(`backbone.layers.${numLayers - 1}.norm.weight`),
    `${weightsLabel}: config.json has num_hidden_layers = ${numLayers} but the file has no backbone.layers.${numLayers - 1}`,
  );
  const embeddingName = EMBEDDING_NAMES.find((name) => file.tensors.has(name));
  check(embeddingName !== undefined, `${weightsLabel}: missing tensor backbone.embeddings.weight (or backbone.embedding.weight)`);
  const layers = Array.from({ length: numLayers }, (_, i) => {
    const prefix = `backbone.layers.${i}.mixer.`;
    const mixer: MambaBlockWeights = {
      dims: blockDims(config),
      inProj: take(`${prefix}in_proj.weight`, [2 * dInner, dModel]),
      inProjBias: optional(`${prefix}in_proj.bias`, [2 * dInner], useBias, "use_bias"),
      conv: take(`${prefix}conv1d.weight`, [dInner, 1, convWidth]),
      convBias: optional(`${prefix}conv1d.bias`, [dInner], useConvBias, "use_conv_bias"),
      xProj: take(`${prefix}x_proj.weight`, [dtRank + 2 * dState, dInner]),
      dtProj: take(`${prefix}dt_proj.weight`, [dInner, dtRank]),
      dtProjBias: take(`${prefix}dt_proj.bias`, [dInner]),
      ALog: take(`${prefix}A_log`, [dInner, dState]),
      D: take(`${prefix}D`, [dInner]),
      outProj: take(`${prefix}out_proj.weight`, [dModel, dInner]),
      outProjBias: optional(`${prefix}out_proj.bias`, [dModel], useBias, "use_bias"),
    };
    return { norm: take(`backbone.layers.${i}.norm.weight`, [dModel]), mixer };
  });
  const untiedHead = !config.tieEmbeddings;
  check(!untiedHead || file.tensors.has("lm_head.weight"), `${weightsLabel}: missing tensor lm_head.weight (config.json has tie_word_embeddings = false)`);
  return {
    config,
    embedding: take(embeddingName, [vocabSize, dModel]),
    layers,
    normF: take("backbone.norm_f.weight", [dModel]),
    lmHead: untiedHead ? take("lm_head.weight", [vocabSize, dModel]) : undefined,
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
  // A NaN or infinite weight (a corrupted file) would turn every output into NaN; refuse it here.
  const bad = values.findIndex((v) => !Number.isFinite(v));
  check(bad < 0, `${label}: tensor ${name} has a value that is not finite (${values[bad]}) at index ${bad}; the file is corrupted`);
  return values;
}

/** The config.json object and model.safetensors bytes of a model, weights stored as `dtype`. */
export function saveMambaCheckpoint(model: MambaModel, dtype: SafetensorsDtype = "F32"): { config: Record<string, unknown>; weights: Uint8Array } {
  const { vocabSize, dModel, dInner, dState, dtRank, convWidth } = model.config;
  const tensors: Record<string, TensorToWrite> = {};
  const put = (name: string, shape: number[], data: Numbers | undefined) => {
    if (data) tensors[name] = { shape, data, dtype };
  };
  put("backbone.embeddings.weight", [vocabSize, dModel], model.embedding);
  model.layers.forEach((layer, i) => {
    const prefix = `backbone.layers.${i}.mixer.`;
    const m = layer.mixer;
    put(`backbone.layers.${i}.norm.weight`, [dModel], layer.norm);
    put(`${prefix}in_proj.weight`, [2 * dInner, dModel], m.inProj);
    put(`${prefix}in_proj.bias`, [2 * dInner], m.inProjBias);
    put(`${prefix}conv1d.weight`, [dInner, 1, convWidth], m.conv);
    put(`${prefix}conv1d.bias`, [dInner], m.convBias);
    put(`${prefix}x_proj.weight`, [dtRank + 2 * dState, dInner], m.xProj);
    put(`${prefix}dt_proj.weight`, [dInner, dtRank], m.dtProj);
    put(`${prefix}dt_proj.bias`, [dInner], m.dtProjBias);
    put(`${prefix}A_log`, [dInner, dState], m.ALog);
    put(`${prefix}D`, [dInner], m.D);
    put(`${prefix}out_proj.weight`, [dModel, dInner], m.outProj);
    put(`${prefix}out_proj.bias`, [dModel], m.outProjBias);
  });
  put("backbone.norm_f.weight", [dModel], model.normF);
  put("lm_head.weight", [vocabSize, dModel], model.lmHead);
  const config: MambaConfig = { ...model.config, tieEmbeddings: model.lmHead === undefined };
  return { config: toHfConfig(config), weights: writeSafetensors(tensors, { format: "pt" }) };
}
