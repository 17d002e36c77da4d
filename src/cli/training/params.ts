/**
 * Between the engine's MambaModel (float64, engine layout) and the trainer's Params (float32, HF keys):
 * both directions go through the engine's own checkpoint writer and loader, so the trainer's keys and
 * shapes are exactly those of a HuggingFace checkpoint and the saved files load unchanged.
 */
import { loadMambaCheckpoint, saveMambaCheckpoint } from "../../engine/checkpoint.js";
import { toHfConfig } from "../../engine/hf-config.js";
import { readSafetensors, writeSafetensors } from "../../engine/safetensors.js";
import type { MambaConfig, MambaModel } from "../../engine/types.js";
import type { Params } from "./mamba-lm.js";

/** Trainable float32 parameters and the HF shape of each. */
export interface TrainableModel {
  config: MambaConfig;
  params: Params;
  shapes: Record<string, number[]>;
}

/** The model's weights as float32 parameters keyed by HF names. */
export function toTrainable(model: MambaModel): TrainableModel {
  const file = readSafetensors(saveMambaCheckpoint(model, "F32").weights);
  const params: Params = {};
  const shapes: Record<string, number[]> = {};
  for (const [key, entry] of file.tensors) {
    params[key] = Float32Array.from(entry.decode());
    shapes[key] = entry.shape;
  }
  return { config: model.config, params, shapes };
}

/** config.json (HF MambaConfig) and model.safetensors (F32) of the trained parameters. */
export function checkpointFiles({ config, params, shapes }: TrainableModel): { config: Record<string, unknown>; weights: Uint8Array } {
  const tensors = Object.fromEntries(Object.entries(params).map(([key, data]) => [key, { shape: shapes[key], data }]));
  return { config: toHfConfig(config), weights: writeSafetensors(tensors, { format: "pt" }) };
}

/** The float64 reference model holding exactly the trained float32 values. */
export function toReferenceModel(trainable: TrainableModel): MambaModel {
  const files = checkpointFiles(trainable);
  return loadMambaCheckpoint(files.config, files.weights);
}
