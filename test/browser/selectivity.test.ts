/**
 * The /selectivity page in headless Chromium, on the engine's tfjs path (?backend=cpu: the same code as
 * WebGPU/WebGL, fast on this machine's software GPUs): clean load, Δ and the answers against the
 * float64 reference on the committed models, editing the sequence by clicking, every perturbation
 * experiment changing the model's output, and the other controls redrawing their figures.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { before, test } from "node:test";
import type { Page } from "playwright-core";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { lmForward } from "../../src/engine/model.js";
import { DEFAULT_SELECTIVE_COPYING as TASK } from "../../src/engine/tasks/selective-copying.js";
import { featureByToken } from "../../src/components/selectivity/analysis.js";
import { fullSequence, parseContext } from "../../src/components/selectivity/sequence.js";
import { figureSvg, nudgeAndExpectChange } from "./chapter-helpers.js";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.js";

const ROOT = resolve(import.meta.dirname, "../..");
/** The selective model the page loads (its FileAttachment paths name the same folder). */
const SELECTIVE = join(ROOT, "data/models/selective-copying-selective");
const selective = loadMambaCheckpoint(JSON.parse(readFileSync(join(SELECTIVE, "config.json"), "utf8")), readFileSync(join(SELECTIVE, "model.safetensors")));

const site = useSite();
let opened: OpenedPage;
let page: Page;

/** Number of completed runs counted by the status line `index` (0: the sequence, 1: the experiment). */
const runsOf = (index: number) => page.evaluate((i) => Number(document.querySelectorAll(".selectivity-status[data-runs]")[i]?.getAttribute("data-runs")), index);

async function waitForRun(index: number, after: number): Promise<void> {
  await page.waitForFunction(([i, n]) => Number(document.querySelectorAll(".selectivity-status[data-runs]")[i]?.getAttribute("data-runs")) > n, [index, after] as const, { timeout: 240_000 });
}

/** The data a chart of figure `id` shows (kit charts keep it on their element). */
async function chartData<T>(id: string): Promise<T> {
  const json = await page.evaluate(
    (figureId) =>
      JSON.stringify((document.querySelector(`#${figureId} .kit-chart`) as unknown as { data: unknown }).data, (_key, v) =>
        ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : typeof v === "function" ? undefined : v,
      ),
    id,
  );
  return JSON.parse(json) as T;
}

interface Answer {
  predicted: number;
  expected?: number;
  probabilities: number[];
}

/** Sets the control labelled `label` (its root element's `value` setter fires "input"). */
async function setControl(label: string, value: string | number): Promise<void> {
  await page.evaluate(
    ([text, v]) => {
      const root = [...document.querySelectorAll(".kit-control")].find((c) => c.querySelector("label")?.textContent?.trim().startsWith(text as string));
      if (!root) throw new Error(`no control labelled ${text}`);
      (root as unknown as { value: unknown }).value = v;
    },
    [label, value] as const,
  );
}

const sequenceText = () => page.locator(".kit-text input[type=text]").first().inputValue();

before(async () => {
  await site.ready;
  opened = await openPage(site.browser, site.server.origin, "/selectivity?backend=cpu&experiment=none");
  page = opened.page;
  await waitForRun(0, 0);
  await waitForRun(1, 0);
});

test("the page loads cleanly and its Δ heatmap and answers are the float64 reference's", async () => {
  assert.equal(describeProblems(opened.problems), "");
  assert.match((await page.locator(".selectivity-status").nth(1).textContent()) ?? "", /Engine: CPU \(tfjs\)/);
  const context = parseContext(await sequenceText(), TASK);
  const reference = lmForward(selective, [fullSequence(context, TASK)]);
  const { dInner } = selective.config;
  const length = TASK.contextLength + TASK.dataCount;
  const shown = await chartData<{ values: number[]; rows: number; columns: number }>("delta-per-token");
  assert.equal(shown.rows, dInner);
  assert.equal(shown.columns, length);
  const expected = featureByToken(reference.layers[0].delta, 0, length, dInner);
  assert.ok(shown.values.every((v, i) => Math.abs(v - expected[i]) < 1e-4 * (1 + Math.abs(expected[i]))), "Δ matches the reference");
  const table = await chartData<{ columns: { answers: Answer[] }[] }>("selective-vs-lti-answers");
  table.columns[0].answers.forEach((answer, i) => {
    const row = reference.logits.subarray((TASK.contextLength + i) * 10, (TASK.contextLength + i + 1) * 10);
    assert.equal(answer.predicted, row.indexOf(Math.max(...row)), `marker ${i + 1}`);
  });
});

test("clicking a position places the chosen token and updates the sequence, Δ and the answers", async () => {
  const beforeText = await sequenceText();
  const position = beforeText.indexOf(".");
  const delta = await figureSvg(page, "delta-per-token");
  const probabilities = await chartData<{ values: number[] }>("answer-probabilities");
  const runs = await runsOf(0);
  await setControl("Place", "7");
  await page.locator(`#selective-copying-sequence [data-position="${position}"]`).click();
  await waitForRun(0, runs);
  const afterText = await sequenceText();
  assert.equal(afterText[position], "7");
  assert.equal(afterText.slice(position + 1), beforeText.slice(position + 1));
  await page.waitForFunction((old) => document.querySelector("#delta-per-token svg")?.innerHTML !== old, delta, { timeout: 120_000 });
  const next = await chartData<{ values: number[] }>("answer-probabilities");
  assert.notDeepEqual(next.values, probabilities.values, "the answer probabilities move");
  assert.equal(describeProblems(opened.problems), "");
});

test("every experiment changes the model's output; 'none' leaves it as it was", async () => {
  const outcomes: Record<string, { before: Answer[]; after: Answer[] }> = {};
  for (const kind of ["shrink-delta", "raise-delta", "zero-b", "swap-c", "none"]) {
    await setControl("Experiment", kind);
    // The lab may finish a run it had queued before this one (the sequence editor's first run): wait for the run of this experiment.
    await page.waitForFunction((wanted) => (document.querySelector(".selectivity-break-it") as unknown as { value?: { experiment: { kind: string } } }).value?.experiment.kind === wanted, kind, { timeout: 240_000 });
    const table = await chartData<{ columns: { answers: Answer[] }[] }>("perturbation-answers");
    outcomes[kind] = { before: table.columns[0].answers, after: table.columns[1].answers };
  }
  for (const [kind, { before, after }] of Object.entries(outcomes)) {
    const moved = before.some((b, i) => b.probabilities.some((p, k) => Math.abs(p - after[i].probabilities[k]) > 1e-6));
    assert.equal(moved, kind !== "none", kind);
  }
  assert.equal(describeProblems(opened.problems), "");
});

test("the chapter's exercises pass once the reader runs the experiment each asks for", async () => {
  for (const [preset, id] of [
    ["forget a data token", "forget-second-token"],
    ["overwrite with noise", "overwrite-with-noise"],
    ["swap the questions", "swap-questions"],
  ]) {
    assert.equal(await page.locator(`#exercise-${id}`).getAttribute("data-state"), "open", `${id} passed before its experiment ran`);
    const runs = await runsOf(1);
    await page.getByRole("button", { name: preset, exact: true }).click();
    await waitForRun(1, runs);
    await page.waitForSelector(`#exercise-${id}[data-state=passed]`, { timeout: 60_000 });
  }
  assert.equal(describeProblems(opened.problems), "");
});

test("the sliders and selects redraw their figures", async () => {
  await nudgeAndExpectChange(page, "Channel of the copying model", "abar-per-token", 120_000);
  const runs = await runsOf(1);
  await setControl("Experiment", "shrink-delta");
  await waitForRun(1, runs);
  await nudgeAndExpectChange(page, "Which data token", "perturbed-token", 120_000);
  const kernel = await figureSvg(page, "lti-model-kernel");
  await setControl("LTI model layer", "1");
  await page.waitForFunction((old) => document.querySelector("#lti-model-kernel svg")?.innerHTML !== old, kernel, { timeout: 120_000 });
  const delta = await figureSvg(page, "delta-per-token");
  await setControl("Model", "lti");
  await page.waitForFunction((old) => document.querySelector("#delta-per-token svg")?.innerHTML !== old, delta, { timeout: 120_000 });
  const equation = await page.locator(".kit-live-tex").last().innerHTML();
  await setControl("Sequence length L = 10^x, x", 5);
  await page.waitForFunction((old) => [...document.querySelectorAll(".kit-live-tex")].pop()?.innerHTML !== old, equation, { timeout: 120_000 });
  assert.equal(describeProblems(opened.problems), "");
});
