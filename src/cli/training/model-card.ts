/**
 * The model card of a trained Selective Copying model: `model-card.json` (machine-readable; the eval
 * command and the pages read the task settings from it) and `model-card.md` (the same for people).
 */
import { join } from "node:path";
import { check } from "../../engine/errors.js";
import { isObject } from "../../engine/tensor-json.js";
import { checkSettings, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import { readJson } from "../files.js";
import type { ProgressReport, TrainingSettings } from "./loop.js";

/** Table 1 of the Mamba paper (Selective Copying, token accuracy), the rows quoted in src/math.md#paper-results. */
export const PAPER_TABLE_1 = [
  { architecture: "No gate", layer: "S4", accuracy: 0.183 },
  { architecture: "No gate", layer: "S6", accuracy: 0.97 },
  { architecture: "Mamba", layer: "S6", accuracy: 0.998 },
] as const;

export interface ModelCard {
  name: string;
  variant: TrainingSettings["variant"];
  description: string;
  task: SelectiveCopyingSettings;
  training: TrainingSettings & {
    optimizer: string;
    wallTimeSeconds: number;
    machine: string;
    /** Mean loss and accuracy on training batches, every `logEvery` steps. */
    log: ProgressReport[];
  };
  parameters: number;
  test: {
    sequences: number;
    seed: number;
    accuracy: number;
    engine: string;
  };
  /** max |float32 trainer − float64 reference| over the logits of test sequences. */
  trainerVsReferenceMaxLogitDifference: number;
  paper: typeof PAPER_TABLE_1;
}

export const CARD_JSON = "model-card.json";
export const CARD_MARKDOWN = "model-card.md";

/** Reads `model-card.json` of a model folder; throws an EngineError with a one-line message if it is missing or malformed. */
export function readModelCard(folder: string): ModelCard {
  const path = join(folder, CARD_JSON);
  const card = readJson(path);
  check(isObject(card) && isObject(card.task) && isObject(card.test), `${path}: expected a model card with "task" and "test"`);
  checkSettings(card.task as unknown as SelectiveCopyingSettings);
  return card as unknown as ModelCard;
}

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

/** The card as Markdown: what the model is, how it was trained, its accuracy next to the paper's Table 1. */
export function renderModelCard(card: ModelCard): string {
  const { task, training, test } = card;
  const minutes = (training.wallTimeSeconds / 60).toFixed(1);
  const ourLayer = card.variant === "selective" ? "S6" : "LTI (S4D-style: constant Δ, B, C)";
  const lines = [
    `# ${card.name}`,
    "",
    card.description,
    "",
    "## Task: Selective Copying (Mamba paper §4.1)",
    "",
    `${task.contextLength} context tokens holding ${task.dataCount} data tokens (values ${task.firstDataToken}–${task.firstDataToken + task.dataVocab - 1}) at random positions among noise tokens (id ${task.noiseToken}), then ${task.dataCount} markers (id ${task.markerToken}); at the i-th marker the model must output the i-th data token. Score: token accuracy at the markers.`,
    "",
    "```json",
    JSON.stringify(task, null, 2),
    "```",
    "",
    "## Model",
    "",
    `HuggingFace Mamba layout (\`config.json\`, \`model.safetensors\`, float32, tied head): ${training.numLayers} layers, d_model ${training.dModel}, d_inner ${2 * training.dModel}, d_state ${training.dState}, ${card.parameters.toLocaleString("en")} parameters.`,
    "",
    "## Training",
    "",
    `\`npm run train -- --task selective-copying --variant ${card.variant} --seed ${training.seed} --steps ${training.steps}\`: ${training.steps} steps of ${training.batch} fresh sequences, ${training.optimizer}, peak learning rate ${training.learningRate} (${training.warmupSteps} warm-up steps, cosine to a tenth). Wall time ${minutes} min on ${training.machine}.`,
    "",
    `Length curriculum: each batch's context length is drawn uniformly from ${training.shortestContext} up to a ceiling that grows linearly to ${task.contextLength} over the first ${training.curriculumSteps} steps (then stays at ${task.contextLength}), so the training accuracies below are on mixed lengths; the result is on the full length only.`,
    "",
    "| step | training loss | training accuracy |",
    "|---:|---:|---:|",
    ...training.log.map((entry) => `| ${entry.step} | ${entry.loss.toFixed(3)} | ${percent(entry.accuracy)} |`),
    "",
    "## Result",
    "",
    `Token accuracy on ${test.sequences} fresh test sequences (seed ${test.seed}), measured with the ${test.engine}: **${percent(test.accuracy)}**.`,
    `The float32 trainer and the float64 reference agree to ${card.trainerVsReferenceMaxLogitDifference.toExponential(1)} on the logits.`,
    "",
    "| architecture | layer | Selective Copying accuracy |",
    "|---|---|---:|",
    ...card.paper.map((row) => `| ${row.architecture} (paper, Table 1) | ${row.layer} | ${percent(row.accuracy)} |`),
    `| **Mamba — this model** | **${ourLayer}** | **${percent(test.accuracy)}** |`,
    "",
    "The paper's runs are far larger (sequence length 4096, 16 data tokens, vocabulary 16, 400K steps); this is the same task scaled to a 2-core CPU.",
    "",
  ];
  return lines.join("\n");
}
