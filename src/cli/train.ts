/**
 * `npm run train -- --task selective-copying --variant selective|lti [--seed S] [--steps N] [--batch B]
 *  [--lr LR] [--out FOLDER]`
 *
 * Trains a small Mamba LM on Selective Copying on the CPU (float32, hand-written backward pass), with a
 * progress bar, then writes FOLDER/config.json, model.safetensors and the model card — test accuracy
 * on fresh sequences measured with the float64 reference engine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { lmForward } from "../engine/model.js";
import { evaluateSelectiveCopying } from "../engine/tasks/evaluate.js";
import { DEFAULT_SELECTIVE_COPYING, generateSelectiveCopying, type SelectiveCopyingSettings } from "../engine/tasks/selective-copying.js";
import { CONSTANT_CHANNEL } from "./training/lti.js";
import { trainSelectiveCopying, type ProgressReport, type TrainingSettings, type Variant } from "./training/loop.js";
import { logitsAt } from "./training/mamba-lm.js";
import { CARD_JSON, CARD_MARKDOWN, PAPER_TABLE_1, renderModelCard, type ModelCard } from "./training/model-card.js";
import { checkpointFiles, toReferenceModel, type TrainableModel } from "./training/params.js";

/** The test set of every card: fresh sequences from a seed that no training batch uses. */
export const TEST_SEQUENCES = 1000;
export const TEST_SEED = 20240;
const LOG_EVERY = 100;

const DEFAULTS: Omit<TrainingSettings, "variant"> = {
  seed: 1,
  steps: 3000,
  batch: 16,
  learningRate: 1e-2,
  warmupSteps: 30,
  dModel: 16,
  dState: 16,
  numLayers: 2,
  timeStepMin: 1e-3,
  timeStepMax: 1e-1,
  shortestContext: 8,
  curriculumSteps: 1500,
};

const DESCRIPTIONS: Record<Variant, string> = {
  selective: "A 2-layer Mamba language model trained on Selective Copying: Δ, B and C are computed from each token (S6), so the model can let data tokens into its state and skip noise.",
  lti: `The same architecture with Δ, B and C made input-independent learned constants (an S4D-style LTI layer inside the Mamba block, gate and conv kept). Stored as an ordinary HF Mamba checkpoint: in every layer channel ${CONSTANT_CHANNEL} is a constant (in_proj row and conv weights 0, conv bias 1, out_proj column 0) and x_proj reads only that channel, so [δ | B | C] is the same for every token.`,
};

function parseOptions(argv: string[]): { task: SelectiveCopyingSettings; settings: TrainingSettings; out: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      task: { type: "string" },
      variant: { type: "string" },
      seed: { type: "string" },
      steps: { type: "string" },
      batch: { type: "string" },
      lr: { type: "string" },
      out: { type: "string" },
    },
  });
  if (values.task !== "selective-copying") throw new Error(`--task must be selective-copying, got ${JSON.stringify(values.task ?? "")}`);
  if (values.variant !== "selective" && values.variant !== "lti") throw new Error(`--variant must be selective or lti, got ${JSON.stringify(values.variant ?? "")}`);
  const positiveInteger = (name: string, text: string | undefined, fallback: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
    return value;
  };
  const learningRate = values.lr === undefined ? DEFAULTS.learningRate : Number(values.lr);
  if (!(learningRate > 0 && learningRate < 1)) throw new Error(`--lr must be a number in (0, 1), got ${values.lr}`);
  const settings: TrainingSettings = {
    ...DEFAULTS,
    variant: values.variant,
    seed: positiveInteger("seed", values.seed, DEFAULTS.seed),
    steps: positiveInteger("steps", values.steps, DEFAULTS.steps),
    batch: positiveInteger("batch", values.batch, DEFAULTS.batch),
    learningRate,
  };
  return { task: DEFAULT_SELECTIVE_COPYING, settings, out: values.out ?? join("data", "models", `selective-copying-${values.variant}`) };
}

/** "1m05s" */
function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
}

/** One progress line: a bar, the step, loss and accuracy of recent batches, elapsed time and an estimate of what is left. */
function progressLine(progress: ProgressReport, steps: number): string {
  const width = 30;
  const filled = Math.round((width * progress.step) / steps);
  const left = (progress.elapsedSeconds / progress.step) * (steps - progress.step);
  return (
    `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${progress.step}/${steps}` +
    `  loss ${progress.loss.toFixed(3)}  acc ${(100 * progress.accuracy).toFixed(1)}%  lr ${progress.learningRate.toExponential(1)}` +
    `  ${duration(progress.elapsedSeconds)} elapsed, ~${duration(left)} left`
  );
}

/** max |trainer logits − reference logits| at every position of a few test sequences. */
function trainerVsReference(trainable: TrainableModel, task: SelectiveCopyingSettings): number {
  const data = generateSelectiveCopying(task, 8, TEST_SEED);
  const positions = Array.from({ length: data.length }, (_, t) => t);
  const trainer = logitsAt(trainable.config, trainable.params, data.inputIds, data.batch, data.length, positions);
  const ids = Array.from({ length: data.batch }, (_, b) => Array.from(data.inputIds.subarray(b * data.length, (b + 1) * data.length)));
  const reference = lmForward(toReferenceModel(trainable), ids).logits;
  return reference.reduce((worst, value, i) => Math.max(worst, Math.abs(value - trainer[i])), 0);
}

function main(): void {
  const { task, settings, out } = parseOptions(process.argv.slice(2));
  const log: ProgressReport[] = [];
  let sinceLog: ProgressReport[] = [];
  console.log(`training selective-copying/${settings.variant}: ${settings.steps} steps × ${settings.batch} sequences, seed ${settings.seed} → ${out}`);
  const trainable = trainSelectiveCopying(task, settings, (progress) => {
    sinceLog.push(progress);
    const line = progressLine(progress, settings.steps);
    if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
    if (progress.step % LOG_EVERY === 0 || progress.step === settings.steps) {
      const mean = (pick: (p: ProgressReport) => number) => sinceLog.reduce((sum, p) => sum + pick(p), 0) / sinceLog.length;
      log.push({ ...progress, loss: mean((p) => p.loss), accuracy: mean((p) => p.accuracy) });
      sinceLog = [];
      if (process.stderr.isTTY) process.stderr.write("\n");
      else console.log(line);
    }
  });
  const wallTimeSeconds = log[log.length - 1].elapsedSeconds;
  mkdirSync(out, { recursive: true });
  const files = checkpointFiles(trainable);
  writeFileSync(join(out, "config.json"), `${JSON.stringify(files.config, null, 2)}\n`);
  writeFileSync(join(out, "model.safetensors"), files.weights);
  console.log(`measuring ${TEST_SEQUENCES} fresh test sequences with the float64 reference engine…`);
  const accuracy = evaluateSelectiveCopying(toReferenceModel(trainable), task, TEST_SEQUENCES, TEST_SEED);
  const card: ModelCard = {
    name: `selective-copying-${settings.variant}`,
    variant: settings.variant,
    description: DESCRIPTIONS[settings.variant],
    task,
    training: {
      ...settings,
      optimizer: "Adam (β 0.9, 0.999), global gradient norm clipped to 1",
      wallTimeSeconds: Math.round(wallTimeSeconds),
      machine: `${cpus().length}-core ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}, one thread`,
      log,
    },
    parameters: Object.values(trainable.params).reduce((sum, values) => sum + values.length, 0),
    test: { sequences: TEST_SEQUENCES, seed: TEST_SEED, accuracy, engine: "float64 reference engine (src/engine/model.ts lmForward)" },
    trainerVsReferenceMaxLogitDifference: trainerVsReference(trainable, task),
    paper: PAPER_TABLE_1,
  };
  writeFileSync(join(out, CARD_JSON), `${JSON.stringify(card, null, 2)}\n`);
  writeFileSync(join(out, CARD_MARKDOWN), renderModelCard(card));
  console.log(`test accuracy ${(100 * accuracy).toFixed(2)}% (trainer vs reference logits ≤ ${card.trainerVsReferenceMaxLogitDifference.toExponential(1)}); wrote ${out}`);
}

try {
  main();
} catch (error) {
  console.error(`train: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}`);
  process.exitCode = 1;
}
