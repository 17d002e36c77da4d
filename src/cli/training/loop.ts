/**
 * The training loop for Selective Copying: a fresh batch every step (no sample is seen twice), Adam
 * with linear warm-up then cosine decay to a tenth, cross-entropy on the answer positions only.
 * A length curriculum: each batch's context length is drawn uniformly between `shortestContext` and a
 * ceiling that grows linearly to the task's length over `curriculumSteps`, then stays there. Short
 * contexts make the order of the data tokens easy to discover; mixing lengths keeps the model from
 * relying on where tokens are instead of which tokens are data. The model is always scored on the
 * task's full length.
 * Everything is drawn from seeds, so a run is reproducible bit for bit on the same Node version.
 */
import { initMambaModel, mambaConfig } from "../../engine/init.js";
import { createRandom } from "../../engine/random.js";
import { generateSelectiveCopying, vocabSize, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import { adamStep, createAdamState } from "./adam.js";
import { makeLti } from "./lti.js";
import { lossAndGradients, type Params } from "./mamba-lm.js";
import { toTrainable, type TrainableModel } from "./params.js";

export type Variant = "selective" | "lti";

export interface TrainingSettings {
  variant: Variant;
  seed: number;
  steps: number;
  batch: number;
  learningRate: number;
  warmupSteps: number;
  dModel: number;
  dState: number;
  numLayers: number;
  /** Range of the log-uniform initial Δ (official init: 1e-3 to 1e-1). */
  timeStepMin: number;
  timeStepMax: number;
  /** Length curriculum (see above). */
  shortestContext: number;
  curriculumSteps: number;
}

export interface ProgressReport {
  step: number;
  /** Mean training loss and answer accuracy over the steps since the previous report. */
  loss: number;
  accuracy: number;
  learningRate: number;
  elapsedSeconds: number;
}

/** Generator seed of the training batch of `step`: seed · 10⁶ + step, disjoint from small test seeds for seed ≥ 1. */
export function trainingBatchSeed(seed: number, step: number): number {
  return seed * 1_000_000 + step;
}

/** The task of `step`: the context length drawn as described above (from the step's batch seed), the rest unchanged. */
export function taskAt(task: SelectiveCopyingSettings, settings: TrainingSettings, step: number): SelectiveCopyingSettings {
  const ramp = Math.min(1, step / Math.max(1, settings.curriculumSteps));
  const shortest = Math.min(settings.shortestContext, task.contextLength);
  const ceiling = Math.round(shortest + ramp * (task.contextLength - shortest));
  const contextLength = shortest + createRandom(trainingBatchSeed(settings.seed, step)).integer(ceiling - shortest + 1);
  return { ...task, contextLength };
}

/** Learning rate at `step` (0-based): linear warm-up over warmupSteps, then cosine from lr to lr/10. */
export function learningRateAt(settings: TrainingSettings, step: number): number {
  const { learningRate, warmupSteps, steps } = settings;
  if (step < warmupSteps) return (learningRate * (step + 1)) / warmupSteps;
  const progress = (step - warmupSteps) / Math.max(1, steps - warmupSteps);
  return learningRate * (0.1 + 0.45 * (1 + Math.cos(Math.PI * progress)));
}

/** A freshly initialised model (official init, engine's generator) in the variant's form, with its trainable masks. */
export function initialModel(task: SelectiveCopyingSettings, settings: TrainingSettings): { trainable: TrainableModel; masks: Params } {
  const config = mambaConfig({ vocabSize: vocabSize(task), dModel: settings.dModel, dState: settings.dState, numLayers: settings.numLayers });
  const trainable = toTrainable(initMambaModel(config, settings.seed, { dtMin: settings.timeStepMin, dtMax: settings.timeStepMax }));
  const masks = settings.variant === "lti" ? makeLti(config, trainable.params) : {};
  return { trainable, masks };
}

/** Trains and returns the model; `report` is called every `reportEvery` steps and at the last step. */
export function trainSelectiveCopying(
  task: SelectiveCopyingSettings,
  settings: TrainingSettings,
  report: (progress: ProgressReport) => void,
  reportEvery = 10,
): TrainableModel {
  const { trainable, masks } = initialModel(task, settings);
  const { config, params } = trainable;
  const adam = createAdamState(params);
  const started = performance.now();
  let lossSum = 0;
  let accuracySum = 0;
  let count = 0;
  for (let step = 0; step < settings.steps; step++) {
    const data = generateSelectiveCopying(taskAt(task, settings, step), settings.batch, trainingBatchSeed(settings.seed, step));
    const result = lossAndGradients(config, params, data.inputIds, data.batch, data.length, data.answerPositions, data.answers);
    const learningRate = learningRateAt(settings, step);
    adamStep(params, result.grads, adam, learningRate, masks);
    lossSum += result.loss;
    accuracySum += result.accuracy;
    count++;
    if ((step + 1) % reportEvery === 0 || step + 1 === settings.steps) {
      report({ step: step + 1, loss: lossSum / count, accuracy: accuracySum / count, learningRate, elapsedSeconds: (performance.now() - started) / 1000 });
      lossSum = accuracySum = count = 0;
    }
  }
  return trainable;
}
