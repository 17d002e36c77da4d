/**
 * The selectivity page's TypeScript (src/components/selectivity/): the reader's sequence, the
 * perturbation experiments as ScanOverrides, the page's LM engine (GPU path on tfjs's CPU backend vs
 * the float64 reference lmForward) and the figure data, on a small freshly initialised model.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stateMatrix } from "../../src/engine/block.js";
import { initMambaModel, mambaConfig } from "../../src/engine/init.js";
import { ltiKernel } from "../../src/engine/kernel.js";
import { lmForward } from "../../src/engine/model.js";
import { DEFAULT_SELECTIVE_COPYING as TASK, vocabSize } from "../../src/engine/tasks/selective-copying.js";
import { accuracyOf, discreteAForChannel, ltiKernelRms, markerAnswers, meanDelta, softmax, stateNorms } from "../../src/components/selectivity/analysis.js";
import { experimentOverrides, type Experiment } from "../../src/components/selectivity/experiments.js";
import { accuracyOn, answerPositions, onSequence, perturbationOutcome } from "../../src/components/selectivity/lab.js";
import { createLmEngine } from "../../src/components/selectivity/lm-engine.js";
import {
  dataPositions,
  expectedAnswers,
  formatContext,
  fullSequence,
  parseContext,
  placeToken,
  randomContext,
  samePositionVariants,
} from "../../src/components/selectivity/sequence.js";

const model = initMambaModel(mambaConfig({ vocabSize: vocabSize(TASK), dModel: 8, numLayers: 2 }), 3);
const { dInner, dState } = model.config;
const LENGTH = TASK.contextLength + TASK.dataCount;
const context = randomContext(TASK, 5);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const experiment = (kind: Experiment["kind"], extra: Partial<Experiment> = {}): Experiment => ({
  kind,
  layers: [0, 1],
  position: dataPositions(context, TASK)[1],
  span: 1,
  shrink: 0,
  raiseTo: 4,
  swap: [TASK.contextLength, TASK.contextLength + 1],
  ...extra,
});

test("the context text round-trips, pads with noise, and names a bad character", () => {
  assert.equal(dataPositions(context, TASK).length, TASK.dataCount);
  assert.deepEqual(parseContext(formatContext(context, TASK), TASK), context);
  const short = parseContext("..3.7", TASK);
  assert.equal(short.length, TASK.contextLength);
  assert.deepEqual(expectedAnswers(short, TASK), [3, 7, undefined, undefined]);
  assert.throws(() => parseContext("..x", TASK), /position 2: “x” is not a token; use “\.” for noise or 1–8 for data/);
  assert.throws(() => parseContext("9", TASK), /position 0/);
  assert.throws(() => parseContext(".".repeat(TASK.contextLength + 1), TASK), /holds 60 tokens, the text has 61/);
  const placed = placeToken(context, 0, 6);
  assert.equal(placed[0], 6);
  assert.equal(expectedAnswers(placed, TASK)[0], 6);
  assert.deepEqual(fullSequence(context, TASK).slice(TASK.contextLength), [9, 9, 9, 9]);
});

test("same-position variants keep the reader's data positions and draw fresh values", () => {
  const variants = samePositionVariants(context, TASK, 20, 1);
  for (const row of variants) assert.deepEqual(dataPositions(row, TASK), dataPositions(context, TASK));
  assert.ok(new Set(variants.map((row) => row.join())).size > 10);
});

test("the page's GPU path (tfjs CPU backend) gives the reference's logits, Δ, B and C, with and without overrides", async () => {
  const gpu = await createLmEngine("?backend=cpu");
  const reference = await createLmEngine("?backend=reference");
  assert.equal(gpu.label, "CPU (tfjs)");
  const ids = [fullSequence(context, TASK), fullSequence(randomContext(TASK, 6), TASK)];
  for (const kind of ["none", "shrink-delta", "raise-delta", "zero-b"] as const) {
    const overrides = experimentOverrides(experiment(kind), model.config, LENGTH);
    const [onGpu, onReference] = [await gpu.run(model, ids, overrides), await reference.run(model, ids, overrides)];
    const expected = lmForward(model, ids, { overrides: [...(overrides as [])] });
    assert.ok(maxAbs(onReference.logits, expected.logits) < 1e-12, kind);
    assert.ok(maxAbs(onGpu.logits, expected.logits) < 1e-4, `${kind}: ${maxAbs(onGpu.logits, expected.logits)}`);
    for (const layer of [0, 1]) assert.ok(maxAbs(onGpu.layers[layer].delta, expected.layers[layer].delta) < 1e-5, `${kind} Δ layer ${layer}`);
  }
});

test("each experiment changes exactly what it names", async () => {
  const engine = await createLmEngine("?backend=reference");
  const ids = [fullSequence(context, TASK)];
  const base = await engine.run(model, ids);
  const t = dataPositions(context, TASK)[1];
  const run = async (e: Experiment) => engine.run(model, ids, experimentOverrides(e, model.config, LENGTH));
  const rowOf = (values: ArrayLike<number>, row: number, width: number) => Array.from(values).slice(row * width, (row + 1) * width);

  const shrunk = await run(experiment("shrink-delta", { shrink: 0.25 }));
  assert.deepEqual(rowOf(shrunk.layers[0].delta, t, dInner), rowOf(base.layers[0].delta, t, dInner).map((v) => v * 0.25));
  assert.deepEqual(rowOf(shrunk.layers[0].delta, t - 1, dInner), rowOf(base.layers[0].delta, t - 1, dInner));

  const spanned = await run(experiment("shrink-delta", { shrink: 0, span: 4 }));
  for (const row of [t, t + 1, t + 2, t + 3]) assert.ok(rowOf(spanned.layers[1].delta, row, dInner).every((v) => v === 0), `row ${row}`);
  assert.deepEqual(rowOf(spanned.layers[0].delta, t + 4, dInner), rowOf(base.layers[0].delta, t + 4, dInner));

  const noise = context.indexOf(TASK.noiseToken);
  const raised = await run(experiment("raise-delta", { position: noise, raiseTo: 4 }));
  assert.deepEqual(rowOf(raised.layers[0].delta, noise, dInner), Array(dInner).fill(4));

  const zeroed = await run(experiment("zero-b"));
  assert.ok(rowOf(zeroed.layers[1].B, t, dState).every((v) => v === 0));
  assert.ok(maxAbs(zeroed.logits, base.logits) > 1e-6, "zeroing B changes the logits");

  const [i, j] = [TASK.contextLength, TASK.contextLength + 2];
  const swapped = await run(experiment("swap-c", { swap: [i, j], layers: [1] }));
  assert.deepEqual(rowOf(swapped.layers[0].C, i, dState), rowOf(base.layers[0].C, i, dState), "layer 0 untouched");
  // Layer 1's C before the swap is the base run's (layer 0 is unperturbed), so the swap is exact.
  assert.deepEqual(rowOf(swapped.layers[1].C, i, dState), rowOf(base.layers[1].C, j, dState));
  assert.deepEqual(rowOf(swapped.layers[1].C, j, dState), rowOf(base.layers[1].C, i, dState));

  assert.throws(() => experimentOverrides(experiment("zero-b", { position: LENGTH }), model.config, LENGTH), /position 64 is outside the sequence 0\.\.63/);
  assert.deepEqual(experimentOverrides(experiment("none", { position: Number.NaN }), model.config, LENGTH), []);
});

test("answers, accuracy and the perturbation outcome agree with the logits", async () => {
  const engine = await createLmEngine("?backend=reference");
  const { run, answers } = await onSequence(engine, model, TASK, context);
  const positions = answerPositions(TASK);
  assert.deepEqual(positions, [60, 61, 62, 63]);
  answers.forEach((answer, i) => {
    const p = softmax(run.logits, positions[i] * run.vocab, run.vocab);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(answer.predicted, p.indexOf(Math.max(...p)));
    assert.equal(answer.expected, expectedAnswers(context, TASK)[i]);
  });
  // Pretend the model's own answers are the truth: accuracy 1.
  assert.deepEqual(accuracyOf(run, positions, [answers.map((a) => a.predicted)]), { correct: 4, total: 4 });
  const variants = samePositionVariants(context, TASK, 5, 2);
  const accuracy = await accuracyOn(engine, model, TASK, variants);
  assert.equal(accuracy.total, 20);
  const outcome = await perturbationOutcome(engine, model, TASK, context, experiment("raise-delta", { position: context.indexOf(0), raiseTo: 8 }), { run, answers });
  assert.equal(outcome.accuracyBefore.total, 4 * 64);
  assert.equal(outcome.statesAfter.length, 2);
  assert.ok(maxAbs(outcome.after.run.logits, run.logits) > 1e-6);
  assert.deepEqual(markerAnswers(outcome.after.run, 0, positions, expectedAnswers(context, TASK)), outcome.after.answers);
});

test("figure data: Ā = exp(ΔA), ‖h‖, mean Δ and the LTI kernel match direct computations", async () => {
  const engine = await createLmEngine("?backend=reference");
  const ids = [fullSequence(context, TASK)];
  const run = await engine.run(model, ids);
  const A = stateMatrix(model.layers[0].mixer);
  const delta = run.layers[0].delta;
  const aBar = discreteAForChannel(delta, A, 3, LENGTH, dInner, dState);
  assert.equal(aBar[2 * LENGTH + 7], Math.exp(delta[7 * dInner + 3] * A[3 * dState + 2]));
  assert.equal(meanDelta(delta, [7], dInner), Array.from(delta.slice(7 * dInner, 8 * dInner)).reduce((a, b) => a + b) / dInner);

  const states = lmForward(model, ids, { statesOf: [0] }).layers[0].states!;
  const norms = stateNorms(states, LENGTH, dInner, dState);
  const h = Array.from(states.slice((9 * dInner + 5) * dState, (9 * dInner + 6) * dState));
  assert.ok(Math.abs(norms[5 * LENGTH + 9] - Math.hypot(...h)) < 1e-12);

  const kernel = ltiKernelRms(run, model, 0, 6);
  const perChannel = Array.from({ length: dInner }, (_, c) =>
    ltiKernel(
      Array.from({ length: dState }, (_, n) => Math.exp(delta[c] * A[c * dState + n])),
      Array.from({ length: dState }, (_, n) => delta[c] * run.layers[0].B[n]),
      run.layers[0].C.subarray(0, dState),
      6,
    ),
  );
  assert.ok(Math.abs(kernel[4] - Math.sqrt(perChannel.reduce((s, k) => s + k[4] ** 2, 0) / dInner)) < 1e-12);
});
