/**
 * Chapter 7's trained models as the page receives them: config.json, model.safetensors and model-card.json of
 * data/models/NAME (through the loaders of src/data/models). A Mamba and the attention baseline are told apart by
 * config.json's model_type; the card brings the task settings and the results measured on the GPU host.
 */
import { isAttentionConfig, loadAttentionCheckpoint, type AttentionModel } from "../../engine/attention-model.js";
import { loadMambaCheckpoint } from "../../engine/checkpoint.js";
import { check } from "../../engine/errors.js";
import { checkInductionSettings, type InductionHeadsSettings } from "../../engine/tasks/induction-heads.js";
import { checkMqarSettings, type MqarSettings } from "../../engine/tasks/mqar.js";
import type { MambaModel } from "../../engine/types.js";

/** One held-out point measured on the GPU host (train/memory_tasks.py): a length or a number of pairs. */
export interface HostPoint {
  length?: number;
  pairs?: number;
  sequences?: number;
  accuracy?: number;
  /** Why the point was not measured, e.g. "out of time on the GPU host". */
  skipped?: string;
}

interface CardFields {
  name: string;
  parameters: number;
  /** The held-out results, seed and engine of the GPU host. */
  host: { seed: number; engine: string; device: string; points: HostPoint[] };
  training: { steps: number; learningRate: number; wallTimeSeconds: number; dState?: number };
  selection?: string;
}

export type MemoryModel = CardFields &
  ({ kind: "mamba"; model: MambaModel; vocab: number } | { kind: "attention"; model: AttentionModel; vocab: number }) &
  ({ task: InductionHeadsSettings } | { task: MqarSettings });

export interface ModelFile {
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Builds a MemoryModel; throws an EngineError with a one-line message naming the model on any problem. */
export function memoryModel(name: string, config: unknown, weights: ArrayBuffer | Uint8Array, card: unknown): MemoryModel {
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  const label = `${name}/model.safetensors`;
  check(isRecord(card) && isRecord(card.task) && isRecord(card.heldOut) && isRecord(card.training), `${name}/model-card.json: expected a card with "task", "training" and "heldOut"`);
  const task = card.task as unknown as InductionHeadsSettings | MqarSettings;
  if (task.task === "induction-heads") checkInductionSettings(task);
  else checkMqarSettings(task as MqarSettings);
  const heldOut = card.heldOut as Record<string, unknown>;
  const training = card.training as Record<string, unknown>;
  const fields: CardFields = {
    name,
    parameters: Number(card.parameters),
    host: { seed: Number(heldOut.seed), engine: String(heldOut.engine), device: String(training.device), points: (heldOut.results as HostPoint[]) ?? [] },
    training: { steps: Number(training.steps), learningRate: Number(training.learningRate), wallTimeSeconds: Number(training.wallTimeSeconds), dState: training.dState as number | undefined },
    selection: typeof card.selection === "string" ? card.selection : undefined,
  };
  if (isAttentionConfig(config)) {
    const model = loadAttentionCheckpoint(config, bytes, label);
    return { ...fields, kind: "attention", model, vocab: model.config.vocabSize, task } as MemoryModel;
  }
  const model = loadMambaCheckpoint(config, bytes, label);
  return { ...fields, kind: "mamba", model, vocab: model.config.vocabSize, task } as MemoryModel;
}

/** Fetches and checks a model's three files. */
export async function loadMemoryModel(name: string, files: { config: ModelFile; weights: ModelFile; card: ModelFile }): Promise<MemoryModel> {
  const [config, weights, card] = await Promise.all([files.config.json(), files.weights.arrayBuffer(), files.card.json()]);
  return memoryModel(name, config, weights, card);
}
