/**
 * What the selectivity page computes, in a few awaited calls: both trained models on the reader's
 * sequence (answers, Δ, B, C per layer), the state h per token (float64 reference trace, since the
 * GPU kernel keeps only the last state), accuracy on fresh sequences, and a perturbation's effect
 * before and after, on the reader's sequence and on sequences with data at the same positions.
 */
import { lmForward } from "../../engine/model.js";
import { generateSelectiveCopying, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { MambaModel, ScanOverrides } from "../../engine/types.js";
import { accuracyOf, markerAnswers, type MarkerAnswer } from "./analysis.js";
import { experimentOverrides, type Experiment } from "./experiments.js";
import type { LayerOverrides, LmEngine, LmRun } from "./lm-engine.js";
import { expectedAnswers, fullSequence, samePositionVariants } from "./sequence.js";

/** Sequences that share the reader's data positions, for the accuracy before and after a perturbation. */
export const VARIANTS = 64;
/** swap-c is built per sequence (one GPU run per row), so it uses fewer. */
export const SWAP_VARIANTS = 16;
const VARIANT_SEED = 4;

export interface ModelOnSequence {
  run: LmRun;
  answers: MarkerAnswer[];
}

export interface Accuracy {
  correct: number;
  total: number;
}

/** The marker positions of the task: where answers are read. */
export function answerPositions(task: SelectiveCopyingSettings): number[] {
  return Array.from({ length: task.dataCount }, (_, i) => task.contextLength + i);
}

/** One model on the reader's context. */
export async function onSequence(engine: LmEngine, model: MambaModel, task: SelectiveCopyingSettings, context: readonly number[], overrides?: LayerOverrides): Promise<ModelOnSequence> {
  const run = await engine.run(model, [fullSequence(context, task)], overrides);
  return { run, answers: markerAnswers(run, 0, answerPositions(task), expectedAnswers(context, task)) };
}

/** h for every token of every layer, (1, length, dInner, dState) each, from the float64 reference with the same overrides. */
export function stateTrace(model: MambaModel, task: SelectiveCopyingSettings, context: readonly number[], overrides: readonly (ScanOverrides | undefined)[] = []): Float64Array[] {
  const result = lmForward(model, [fullSequence(context, task)], { overrides: [...overrides], keepStates: true });
  return result.layers.map((layer) => layer.states!);
}

/** Accuracy of `model` on `contexts`; function-form overrides run one sequence at a time. */
export async function accuracyOn(engine: LmEngine, model: MambaModel, task: SelectiveCopyingSettings, contexts: readonly (readonly number[])[], overrides?: LayerOverrides): Promise<Accuracy> {
  const positions = answerPositions(task);
  const expected = contexts.map((context) => expectedAnswers(context, task));
  if (typeof overrides !== "function") {
    const run = await engine.run(model, contexts.map((context) => fullSequence(context, task)), overrides);
    return accuracyOf(run, positions, expected);
  }
  const total: Accuracy = { correct: 0, total: 0 };
  for (const [row, context] of contexts.entries()) {
    const run = await engine.run(model, [fullSequence(context, task)], overrides);
    const one = accuracyOf(run, positions, [expected[row]]);
    total.correct += one.correct;
    total.total += one.total;
  }
  return total;
}

/** Accuracy on `count` fresh sequences of the task's generator (seeded). */
export async function freshAccuracy(engine: LmEngine, model: MambaModel, task: SelectiveCopyingSettings, count: number, seed: number): Promise<Accuracy> {
  const data = generateSelectiveCopying(task, count, seed);
  const contexts = Array.from({ length: count }, (_, row) => Array.from(data.inputIds.subarray(row * data.length, row * data.length + task.contextLength)));
  return accuracyOn(engine, model, task, contexts);
}

export interface PerturbationOutcome {
  experiment: Experiment;
  before: ModelOnSequence;
  after: ModelOnSequence;
  /** On sequences with data at the reader's positions and fresh values. */
  accuracyBefore: Accuracy;
  accuracyAfter: Accuracy;
  /** h per layer after the perturbation (reference trace). */
  statesAfter: Float64Array[];
}

/** The experiment on the reader's context and on same-position variants, before and after. */
export async function perturbationOutcome(
  engine: LmEngine,
  model: MambaModel,
  task: SelectiveCopyingSettings,
  context: readonly number[],
  experiment: Experiment,
  before: ModelOnSequence,
): Promise<PerturbationOutcome> {
  const length = task.contextLength + task.dataCount;
  const overrides = experimentOverrides(experiment, model.config, length);
  const after = await onSequence(engine, model, task, context, overrides);
  const variants = samePositionVariants(context, task, typeof overrides === "function" ? SWAP_VARIANTS : VARIANTS, VARIANT_SEED);
  const accuracyBefore = await accuracyOn(engine, model, task, variants);
  const accuracyAfter = experiment.kind === "none" ? accuracyBefore : await accuracyOn(engine, model, task, variants, overrides);
  return { experiment, before, after, accuracyBefore, accuracyAfter, statesAfter: stateTrace(model, task, context, after.run.overrides) };
}
