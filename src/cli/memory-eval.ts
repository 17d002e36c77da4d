/**
 * `mamba eval --model DIR --task induction-heads --length L [--n 100] [--seed S]` and
 * `mamba eval --model DIR --task mqar --pairs P [--n 100] [--seed S]`: accuracy of a chapter-7 model (a Mamba or
 * the attention baseline, told apart by config.json's model_type) on `n` sequences of the site's generator, with
 * the float64 engines. The task settings come from DIR/model-card.json; the default seed is the card's held-out seed,
 * the one the GPU host scored.
 */
import { join } from "node:path";
import { isAttentionConfig, loadAttentionCheckpoint } from "../engine/attention-model.js";
import { check } from "../engine/errors.js";
import { checkInductionSettings, type InductionHeadsSettings } from "../engine/tasks/induction-heads.js";
import { attentionPredictor, mambaPredictor, scoreInductionHeads, scoreMqar, type Predictor } from "../engine/tasks/memory-scoring.js";
import { checkMqarSettings, type MqarSettings } from "../engine/tasks/mqar.js";
import { isObject } from "../engine/tensor-json.js";
import { requiredOption } from "./args.js";
import type { CliOutput } from "./command.js";
import { readBytes, readJson } from "./files.js";
import { loadModelDirectory } from "./forward.js";
import { integerOption } from "./options.js";

export const MEMORY_TASKS = ["induction-heads", "mqar"] as const;

/** A model folder's predictor and vocabulary, whichever of the two engines its config.json names. */
export function loadPredictor(directory: string): { predict: Predictor; vocab: number; kind: "mamba" | "attention" } {
  const configPath = join(directory, "config.json");
  const config = readJson(configPath);
  if (isAttentionConfig(config)) {
    const weightsPath = join(directory, "model.safetensors");
    const model = loadAttentionCheckpoint(config, readBytes(weightsPath), weightsPath);
    return { predict: attentionPredictor(model), vocab: model.config.vocabSize, kind: "attention" };
  }
  const model = loadModelDirectory(directory);
  return { predict: mambaPredictor(model), vocab: model.config.vocabSize, kind: "mamba" };
}

/** The task settings and held-out seed of a chapter-7 model card. */
function readMemoryCard(directory: string, task: string): { settings: InductionHeadsSettings | MqarSettings; seed: number } {
  const path = join(directory, "model-card.json");
  const card = readJson(path);
  check(isObject(card) && isObject(card.task), `${path}: expected a model card with "task"`);
  check(card.task.task === task, `${path} describes a ${JSON.stringify(card.task.task)} model, not ${task}`);
  if (task === "induction-heads") checkInductionSettings(card.task as unknown as InductionHeadsSettings);
  else checkMqarSettings(card.task as unknown as MqarSettings);
  const seed = isObject(card.heldOut) && Number.isSafeInteger(card.heldOut.seed) ? (card.heldOut.seed as number) : 1;
  return { settings: card.task as unknown as InductionHeadsSettings | MqarSettings, seed };
}

/** Runs the eval command for a chapter-7 task and prints {"accuracy": …}. */
export async function evalMemoryTask(options: Map<string, string[]>, task: string, output: CliOutput): Promise<void> {
  const directory = requiredOption(options, "model");
  const { settings, seed: cardSeed } = readMemoryCard(directory, task);
  const count = integerOption(options, "n", 1, 100);
  const seed = integerOption(options, "seed", Number.MIN_SAFE_INTEGER, cardSeed);
  const { predict, vocab } = loadPredictor(directory);
  let accuracy: number;
  if (task === "induction-heads") {
    check(!options.has("pairs"), "--pairs belongs to --task mqar");
    check(options.has("length"), "missing option --length (the test sequence length, e.g. 4096)");
    const length = integerOption(options, "length", 4, 0);
    accuracy = (await scoreInductionHeads(predict, vocab, settings as InductionHeadsSettings, length, count, seed)).accuracy;
  } else {
    check(!options.has("length"), "--length belongs to --task induction-heads (an MQAR sequence is 3 × pairs long)");
    check(options.has("pairs"), "missing option --pairs (the number of key–value pairs, e.g. 16)");
    const pairs = integerOption(options, "pairs", 1, 0);
    accuracy = (await scoreMqar(predict, vocab, settings as MqarSettings, pairs, count, seed)).accuracy;
  }
  output.stdout(`${JSON.stringify({ accuracy })}\n`);
}
