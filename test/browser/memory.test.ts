/**
 * The /memory page in headless Chromium on the engine's tfjs path (?backend=cpu): a clean load, the generator's
 * sequences in the browser against Node's, live accuracy points rerun on the page against `mamba eval` on the same
 * seed, and no horizontal overflow on a phone.
 */
import { createReferenceEngine } from "../../src/engine/reference-engine.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { runCli } from "../../src/cli/run-cli.js";
import { inductionSequence, DEFAULT_INDUCTION_HEADS as TASK } from "../../src/engine/tasks/induction-heads.js";
import { deltaPeakOffset, inductionSymbol, sequenceText, traceInduction } from "../../src/components/memory/induction-view.js";
import { loadModelDirectory } from "../../src/cli/forward.js";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.js";

const HOST_SEED = JSON.parse(readFileSync("data/models/induction-mamba/model-card.json", "utf8")).heldOut.seed as number;
const site = useSite();
let opened: OpenedPage;
let page: Page;

/** Finished runs counted by the status line `index` (0: one sequence, 1: extrapolation, 2: recall). */
const runsOf = (index: number) => page.evaluate((i) => Number(document.querySelectorAll(".memory-status[data-runs]")[i]?.getAttribute("data-runs")), index);
const waitForRuns = (index: number, atLeast: number) =>
  page.waitForFunction(([i, n]) => Number(document.querySelectorAll(".memory-status[data-runs]")[i]?.getAttribute("data-runs")) >= n, [index, atLeast] as const, { timeout: 300_000 });
const liveOf = (index: number) => page.evaluate((i) => JSON.parse(document.querySelectorAll(".memory-status[data-runs]")[i]?.getAttribute("data-live") ?? "null"), index);

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

async function cliAccuracy(...argv: string[]): Promise<number> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["eval", ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as { accuracy: number }).accuracy;
}

before(async () => {
  await site.ready;
  opened = await openPage(site.browser, site.server.origin, "/memory?backend=cpu", { width: 1280 });
  page = opened.page;
  await waitForRuns(0, 1);
  await waitForRuns(1, 1);
  await waitForRuns(2, 1);
});

after(async () => {
  await opened?.context.close();
});

test("the page loads cleanly and runs every section", async () => {
  assert.equal(describeProblems(opened.problems), "");
  const figures = await page.evaluate(() => [...document.querySelectorAll(".kit-figure")].map((f) => f.id));
  for (const id of ["delta-per-position", "state-norm-per-position", "state-before-answer", "induction-extrapolation", "recall-vs-pairs", "recall-vs-state"]) {
    assert.ok(figures.some((f) => f.includes(id)), `figure ${id} missing (have ${figures.join(", ")})`);
  }
  assert.equal(await page.locator(".teach-exercise").count(), 3);
});

test("the browser draws the same sequences as Node", async () => {
  const example = await page.locator(".memory-example code").textContent();
  const mamba = loadModelDirectory("data/models/induction-mamba");
  assert.equal(example, sequenceText(await traceInduction(createReferenceEngine(), mamba, TASK, 64, 3, 0), TASK));
  const shown = inductionSequence(TASK, 256, HOST_SEED, 1);
  const status = await page.evaluate(() => document.querySelectorAll(".memory-status[data-runs]")[0]?.textContent ?? "");
  assert.match(status, new RegExp(`First ⊢ at position ${shown.triggerPosition}, the answer ${inductionSymbol(TASK, shown.answer)} at ${shown.triggerPosition + 1}`));
});

test("a live extrapolation point matches mamba eval on the same sequences", async () => {
  await setControl("Live lengths up to", 6);
  await setControl("Sequences per length", 4);
  await page.locator("button.memory-run").click();
  // A run started before the new settings may finish first: wait for the one on 4 sequences.
  await page.waitForFunction(() => JSON.parse(document.querySelectorAll(".memory-status[data-runs]")[1]?.getAttribute("data-live") ?? "null")?.count === 4, null, { timeout: 300_000 });
  const live = await liveOf(1);
  assert.equal(live.seed, HOST_SEED);
  assert.equal(live.count, 4);
  assert.equal(live.lengths[0], 64);
  const cli = await cliAccuracy("--model", "data/models/induction-mamba", "--task", "induction-heads", "--length", "64", "--n", "4", "--seed", String(HOST_SEED));
  assert.equal(live.mamba[0], cli);
  assert.ok(live.mamba.slice(1).every((v: number | null) => v === null), "only 2^6 was asked for");
  {
    const cliAttention = await cliAccuracy("--model", "data/models/induction-attention", "--task", "induction-heads", "--length", "64", "--n", "4", "--seed", String(HOST_SEED));
    assert.equal(live.attention[0], cliAttention);
  }
});

test("a live recall point matches mamba eval, and changing d_state reruns it", async () => {
  const first = await liveOf(2);
  const cli = await cliAccuracy("--model", `data/models/mqar-mamba-n${first.dState}`, "--task", "mqar", "--pairs", String(first.pairs), "--n", String(first.count), "--seed", String(first.seed));
  assert.ok(Math.abs(first.accuracy - cli) <= 1 / (first.count * first.pairs) + 1e-12, `live ${first.accuracy} vs CLI ${cli}`);
  const before = await runsOf(2);
  await setControl("d_state", "16");
  await waitForRuns(2, before + 1);
  assert.equal((await liveOf(2)).dState, 16);
});

test("no horizontal overflow at 360 px", async () => {
  const phone = await openPage(site.browser, site.server.origin, "/memory?backend=reference", { width: 360 });
  await phone.page.waitForFunction(() => Number(document.querySelectorAll(".memory-status[data-runs]")[2]?.getAttribute("data-runs")) >= 1, null, { timeout: 300_000 });
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
  assert.equal(describeProblems(phone.problems), "");
  await phone.context.close();
});

test("the exercises check the reader's answers live", async () => {
  const state = (id: string) => page.locator(`#exercise-${id}`).getAttribute("data-state");
  assert.equal(await state("extrapolation-break"), "open");
  const host = JSON.parse(readFileSync("data/models/induction-mamba/model-card.json", "utf8")).heldOut.results as { length: number; accuracy: number }[];
  const firstBelow = host.find((r) => r.accuracy < 0.95)!.length;
  await setControl("Your answer: log₂ L", Math.log2(firstBelow));
  await page.waitForFunction(() => document.querySelector("#exercise-extrapolation-break")?.getAttribute("data-state") === "passed");
  await setControl("Your answer: pairs", 16);
  await page.waitForFunction(() => document.querySelector("#exercise-state-capacity")?.getAttribute("data-state") === "passed");
  const shown = await traceInduction(createReferenceEngine(), loadModelDirectory("data/models/induction-mamba"), TASK, 256, HOST_SEED, 1);
  const offset = deltaPeakOffset(shown, 0);
  await setControl("Layer 1's Δ peaks", offset >= 0 && offset <= 3 ? String(offset) : "elsewhere");
  await page.waitForFunction(() => document.querySelector("#exercise-delta-peak")?.getAttribute("data-state") === "passed");
});
