/**
 * The Selective Copying task and the trained models of data/models/: the generator's structure, and
 * `mamba eval` re-measuring the committed weights with the float64 reference engine.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runCli } from "../../src/cli/run-cli.js";
import {
  DEFAULT_SELECTIVE_COPYING as SETTINGS,
  answerAccuracy,
  generateSelectiveCopying,
  sequenceLength,
  vocabSize,
} from "../../src/engine/tasks/selective-copying.js";

const MODELS = { selective: "data/models/selective-copying-selective", lti: "data/models/selective-copying-lti" };

/** Runs `mamba ARGS…` in-process; returns exit code, stdout and stderr. */
async function mamba(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

function card(folder: string): { test: { accuracy: number; seed: number; sequences: number }; task: typeof SETTINGS } {
  return JSON.parse(readFileSync(`${folder}/model-card.json`, "utf8"));
}

async function evalAccuracy(folder: string, count: number, seed: number): Promise<number> {
  const result = await mamba("eval", "--model", folder, "--task", "selective-copying", "--n", String(count), "--seed", String(seed));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  const parsed = JSON.parse(result.stdout) as { accuracy: number };
  assert.deepEqual(Object.keys(parsed), ["accuracy"]);
  return parsed.accuracy;
}

test("generator: data tokens among noise, in order, then markers; reproducible from the seed", () => {
  const data = generateSelectiveCopying(SETTINGS, 50, 7);
  assert.equal(data.length, 64);
  assert.equal(sequenceLength(SETTINGS), 64);
  assert.equal(vocabSize(SETTINGS), 10);
  assert.deepEqual(data.answerPositions, [60, 61, 62, 63]);
  const seenPositions = new Set<number>();
  for (let row = 0; row < data.batch; row++) {
    const ids = Array.from(data.inputIds.subarray(row * 64, (row + 1) * 64));
    const context = ids.slice(0, 60);
    const dataTokens = context.filter((id) => id !== SETTINGS.noiseToken);
    assert.deepEqual(dataTokens, Array.from(data.answers.subarray(row * 4, row * 4 + 4)));
    assert.ok(dataTokens.every((id) => id >= 1 && id <= 8));
    assert.deepEqual(ids.slice(60), [9, 9, 9, 9]);
    context.forEach((id, t) => id !== 0 && seenPositions.add(t));
  }
  assert.ok(seenPositions.size > 40, "data tokens must land at varying positions");
  assert.deepEqual(generateSelectiveCopying(SETTINGS, 50, 7).inputIds, data.inputIds);
  assert.notDeepEqual(generateSelectiveCopying(SETTINGS, 50, 8).inputIds, data.inputIds);
});

test("answerAccuracy counts argmax hits at the markers only", () => {
  const data = generateSelectiveCopying(SETTINGS, 2, 1);
  const logits = new Float64Array(2 * 64 * 10);
  for (let row = 0; row < 2; row++) {
    for (let i = 0; i < 4; i++) {
      const right = data.answers[row * 4 + i];
      const guess = row === 0 || i < 2 ? right : (right % 8) + 1;
      logits[(row * 64 + 60 + i) * 10 + guess] = 1;
    }
  }
  assert.equal(answerAccuracy(data, logits, 10), 6 / 8);
});

test("bad task settings get one-line messages", () => {
  assert.throws(() => generateSelectiveCopying({ ...SETTINGS, dataCount: 61 }, 1, 1), /61 data tokens do not fit in a context of 60/);
  assert.throws(() => generateSelectiveCopying({ ...SETTINGS, markerToken: 3 }, 1, 1), /must be distinct/);
  assert.throws(() => generateSelectiveCopying(SETTINGS, 0, 1), /positive integer/);
});

test("mamba eval re-measures the committed models: the cards' accuracies, and LTI far below selective", async () => {
  const selective = card(MODELS.selective);
  const lti = card(MODELS.lti);
  // The cards' own test sets (same seed, same 1000 sequences): the reference engine is deterministic,
  // so the accuracy must match to rounding.
  const selectiveAgain = await evalAccuracy(MODELS.selective, selective.test.sequences, selective.test.seed);
  const ltiAgain = await evalAccuracy(MODELS.lti, lti.test.sequences, lti.test.seed);
  assert.ok(Math.abs(selectiveAgain - selective.test.accuracy) < 1e-12, `selective: ${selectiveAgain} vs card ${selective.test.accuracy}`);
  assert.ok(Math.abs(ltiAgain - lti.test.accuracy) < 1e-12, `lti: ${ltiAgain} vs card ${lti.test.accuracy}`);
  // Fresh sequences (another seed, 150 × 4 answers): the binomial standard error is at most
  // √(0.25/600) ≈ 0.02, so 0.08 is ~4σ — a model that only fitted its test set would fail.
  const selectiveFresh = await evalAccuracy(MODELS.selective, 150, 99);
  const ltiFresh = await evalAccuracy(MODELS.lti, 150, 99);
  assert.ok(Math.abs(selectiveFresh - selective.test.accuracy) < 0.08, `selective on fresh sequences: ${selectiveFresh}`);
  assert.ok(Math.abs(ltiFresh - lti.test.accuracy) < 0.08, `lti on fresh sequences: ${ltiFresh}`);
  assert.ok(selective.test.accuracy >= 0.9, `selective card accuracy ${selective.test.accuracy}`);
  // "Far below": the trained LTI model gets 74.5% to the selective model's 100% (docs/training.md);
  // 0.2 leaves room for retraining noise while still failing if the two ever come close.
  assert.ok(lti.test.accuracy < selective.test.accuracy - 0.2, `lti ${lti.test.accuracy} is not far below selective ${selective.test.accuracy}`);
});

test("mamba eval: bad input is one line on stderr and exit code 1 or 2", async () => {
  const cases: [string[], RegExp][] = [
    [["eval", "--model", "data/models/no-such-model", "--task", "selective-copying"], /no-such-model\/model-card\.json: no such file/],
    [["eval", "--model", MODELS.selective, "--task", "copying"], /--task must be selective-copying, induction-heads or mqar/],
    [["eval", "--model", MODELS.selective, "--task", "selective-copying", "--n", "0"], /--n must be an integer ≥ 1/],
    [["eval", "--model", MODELS.selective, "--task", "selective-copying", "--seed", "1.5"], /--seed must be an integer/],
    [["eval", "--model", MODELS.selective], /missing option --task/],
    [["eval", "--model", MODELS.selective, "--task", "selective-copying", "--steps", "3"], /unknown option --steps/],
  ];
  for (const [argv, message] of cases) {
    const result = await mamba(...argv);
    assert.ok(result.code === 1 || result.code === 2, `${argv.join(" ")} exited ${result.code}`);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
});
