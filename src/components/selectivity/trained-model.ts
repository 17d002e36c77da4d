/**
 * A trained Selective Copying model as the page receives it: config.json, model.safetensors and
 * model-card.json from data/models/NAME (served through src/data/models, a link to data/models, so
 * the committed folder is the only copy). The card gives the task settings the model was trained on.
 */
import { loadMambaCheckpoint } from "../../engine/checkpoint.js";
import { check } from "../../engine/errors.js";
import { checkSettings, vocabSize, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { MambaModel } from "../../engine/types.js";

export interface TrainedModel {
  name: string;
  model: MambaModel;
  task: SelectiveCopyingSettings;
  /** Token accuracy on the card's fresh test set, when the card has one. */
  testAccuracy?: number;
  testSequences?: number;
  steps?: number;
  wallTimeSeconds?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const numberOrUndefined = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/** Builds a TrainedModel; throws an EngineError with a one-line message naming the model on any problem. */
export function trainedModel(name: string, config: unknown, weights: ArrayBuffer | Uint8Array, card: unknown): TrainedModel {
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  check(bytes.length > 0, `${name}: model.safetensors is empty — train it with npm run train -- --task selective-copying --variant …`);
  const model = loadMambaCheckpoint(config, bytes, `${name}/model.safetensors`);
  check(isRecord(card) && isRecord(card.task), `${name}/model-card.json: expected a model card with "task"`);
  const task = card.task as unknown as SelectiveCopyingSettings;
  checkSettings(task);
  check(vocabSize(task) <= model.config.vocabSize, `${name}: the task uses ${vocabSize(task)} token ids but the model knows ${model.config.vocabSize}`);
  const test = isRecord(card.test) ? card.test : {};
  const training = isRecord(card.training) ? card.training : {};
  return {
    name,
    model,
    task,
    testAccuracy: numberOrUndefined(test.accuracy),
    testSequences: numberOrUndefined(test.sequences),
    steps: numberOrUndefined(training.steps),
    wallTimeSeconds: numberOrUndefined(training.wallTimeSeconds),
  };
}

/** What the page passes for each file: a Framework FileAttachment (only these two methods are used). */
export interface ModelFile {
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Fetches and checks a model's three files. */
export async function loadTrainedModel(name: string, files: { config: ModelFile; weights: ModelFile; card: ModelFile }): Promise<TrainedModel> {
  const [config, weights, card] = await Promise.all([files.config.json(), files.weights.arrayBuffer(), files.card.json()]);
  return trainedModel(name, config, weights, card);
}
