/**
 * What the selectivity page computes, in a few awaited calls on the page's engine: both trained models
 * on the reader's sequence (answers, Δ, B, C and h per layer), accuracy on fresh sequences, and a
 * perturbation's effect before and after, on the reader's sequence and on sequences with data at the
 * same positions. Every tensor comes from the engine's runs (h too, with ModelOptions.statesOf).
 */
import type { Engine, ModelRun } from "../../engine/engine.js";
import { generateSelectiveCopying, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { MambaModel, ScanOverrides } from "../../engine/types.js";
import { accuracyOf, markerAnswers, type MarkerAnswer } from "./analysis.js";
import { experimentOverrides, needsComputedRun, type Experiment } from "./experiments.js";
import { expectedAnswers, fullSequence, samePositionVariants } from "./sequence.js";

/** Sequences that share the reader's data positions, for the accuracy before and after a perturbation. */
export const VARIANTS = 64;
/** swap-c is built per sequence (two runs per row), so it uses fewer. */
export const SWAP_VARIANTS = 16;
const VARIANT_SEED = 4;

export interface ModelOnSequence {
  run: ModelRun;
  answers: MarkerAnswer[];
  /** The overrides the run used, per layer. */
  overrides: (ScanOverrides | undefined)[];
}

export interface Accuracy {
  correct: number;
  total: number;
}

/** The marker positions of the task: where answers are read. */
export function answerPositions(task: SelectiveCopyingSettings): number[] {
  return Array.from({ length: task.dataCount }, (_, i) => task.contextLength + i);
}

/** Every layer, for keeping h per token in all of them. */
const allLayers = (model: MambaModel) => model.layers.map((_layer, i) => i);

/**
 * One model on the reader's context, with `experiment` applied (none by default); `withStates` keeps h per
 * token in every layer. swap-c runs twice: plainly, to read the C it exchanges, then perturbed.
 */
export async function onSequence(engine: Engine, model: MambaModel, task: SelectiveCopyingSettings, context: readonly number[], experiment?: Experiment, withStates = false): Promise<ModelOnSequence> {
  const ids = [fullSequence(context, task)];
  const statesOf = withStates ? allLayers(model) : undefined;
  const computed = experiment && needsComputedRun(experiment) ? await engine.runModel(model, ids) : undefined;
  const overrides = experiment ? experimentOverrides(experiment, model.config, ids[0].length, computed) : [];
  const run = await engine.runModel(model, ids, { overrides, statesOf });
  return { run, overrides, answers: markerAnswers(run, 0, answerPositions(task), expectedAnswers(context, task)) };
}

/** Accuracy of `model` on `contexts` with `experiment` applied; swap-c runs one sequence at a time. */
export async function accuracyOn(engine: Engine, model: MambaModel, task: SelectiveCopyingSettings, contexts: readonly (readonly number[])[], experiment?: Experiment): Promise<Accuracy> {
  const positions = answerPositions(task);
  const expected = contexts.map((context) => expectedAnswers(context, task));
  if (!experiment || !needsComputedRun(experiment)) {
    const ids = contexts.map((context) => fullSequence(context, task));
    const overrides = experiment ? experimentOverrides(experiment, model.config, ids[0].length) : [];
    return accuracyOf(await engine.runModel(model, ids, { overrides }), positions, expected);
  }
  const total: Accuracy = { correct: 0, total: 0 };
  for (const [row, context] of contexts.entries()) {
    const one = accuracyOf((await onSequence(engine, model, task, context, experiment)).run, positions, [expected[row]]);
    total.correct += one.correct;
    total.total += one.total;
  }
  return total;
}

/** Accuracy on `count` fresh sequences of the task's generator (seeded). */
export async function freshAccuracy(engine: Engine, model: MambaModel, task: SelectiveCopyingSettings, count: number, seed: number): Promise<Accuracy> {
  const data = generateSelectiveCopying(task, count, seed);
  const contexts = Array.from({ length: count }, (_, row) => Array.from(data.inputIds.subarray(row * data.length, row * data.length + task.contextLength)));
  return accuracyOn(engine, model, task, contexts);
}

export interface PerturbationOutcome {
  experiment: Experiment;
  before: ModelOnSequence;
  /** With h per token in every layer. */
  after: ModelOnSequence;
  /** On sequences with data at the reader's positions and fresh values. */
  accuracyBefore: Accuracy;
  accuracyAfter: Accuracy;
}

/** The experiment on the reader's context and on same-position variants, before and after. */
export async function perturbationOutcome(
  engine: Engine,
  model: MambaModel,
  task: SelectiveCopyingSettings,
  context: readonly number[],
  experiment: Experiment,
  before: ModelOnSequence,
): Promise<PerturbationOutcome> {
  const after = await onSequence(engine, model, task, context, experiment, true);
  const variants = samePositionVariants(context, task, needsComputedRun(experiment) ? SWAP_VARIANTS : VARIANTS, VARIANT_SEED);
  const accuracyBefore = await accuracyOn(engine, model, task, variants);
  const accuracyAfter = experiment.kind === "none" ? accuracyBefore : await accuracyOn(engine, model, task, variants, experiment);
  return { experiment, before, after, accuracyBefore, accuracyAfter };
}
