/**
 * The /mamba-block page in headless Chromium, with the character model it opens with and golden
 * checkpoints uploaded through the file inputs: the block diagram and its tensors against the float64
 * reference on typed text, recurrent decoding's check and timings, the state cartridge on real text
 * round-tripping through a downloaded file, state patching, and loading checkpoints (good, malformed,
 * oversized) on the page's engine.
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { contextIds } from "../../src/engine/char-lm.js";
import { lmForward } from "../../src/engine/model.js";
import { blockTensors } from "../../src/components/mamba-block/block-tensors.js";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.js";
import { referenceRun, selectiveModel, typeText } from "./model-panel-helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const GOLDEN = join(ROOT, "test/fixtures/golden");
/** The model the page opens with. */
const committed = selectiveModel.model;
const { tokenizer } = selectiveModel;

const site = useSite();
let opened: OpenedPage;
let page: Page;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "mamba-block-test-"));
  await site.ready;
  // The automatic choice (tfjs's CPU backend in a worker here); gpu.test.ts covers the GPU kernels.
  opened = await openPage(site.browser, site.server.origin, "/mamba-block?tensor=B");
  page = opened.page;
  await page.waitForSelector(".mb-explorer[data-runs]", { timeout: 180_000 });
});

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
});

/** The text in a text control of the page. */
async function textOf(label: string): Promise<string> {
  return page.locator(`.kit-text:has(label:text-is("${label}")) input[type=text]`).inputValue();
}

async function statusOf(role: string): Promise<{ text: string; kind: string | null }> {
  const line = page.locator(`[data-role="${role}"]`);
  return { text: (await line.textContent()) ?? "", kind: await line.getAttribute("data-kind") };
}

test("the block diagram shows every tensor of the character model on typed text with named shapes; the open tensor holds the reference's values", async () => {
  const text = "Mamba reads this.";
  await typeText(page, "reader", text);
  const { ids, run } = referenceRun(selectiveModel, text);
  const L = ids.length;
  const { dInner, dState } = committed.config;
  await page.waitForFunction((n) => Array.from(document.querySelectorAll("#block-tensors .mb-shape")).some((e) => e.textContent?.includes(`length ${n},`)), L, { timeout: 60_000 });
  assert.equal(await page.locator("#block-tensors .mb-box").count(), 16);
  const shapes = await page.locator("#block-tensors .mb-shape").allTextContents();
  assert.ok(shapes.includes(`(batch 1, length ${L}, channels ${dInner})`), shapes.join(" | "));
  assert.ok(shapes.includes(`(batch 1, channels ${dInner}, state ${dState})`));
  const expected = blockTensors(committed, run, 0).find((t) => t.key === "B")!;
  await page.waitForFunction((n) => document.querySelectorAll("#block-tensor-detail .kit-cells rect").length === n, L * dState);
  const shown = await page.locator("#block-tensor-detail .kit-chart").evaluate((node) => Array.from((node as unknown as { data: { values: ArrayLike<number> } }).data.values));
  const scale = Math.max(1, ...Array.from(expected.values, Math.abs));
  shown.forEach((value, i) => assert.ok(Math.abs(value - expected.values[i]) <= 1e-4 * scale, `B[${i}]`));
  // Another layer redraws the diagram; the open tensor follows the control (in the URL).
  const before = await page.locator("#block-tensors .mb-mini").first().innerHTML();
  await page.locator(".kit-select:has(label:text-is('Layer')) select").first().selectOption("1");
  await page.waitForFunction((html) => document.querySelector("#block-tensors .mb-mini")?.innerHTML !== html, before, { timeout: 60_000 });
  await page.locator('#block-tensors .mb-box[data-key="delta"]').click();
  await page.waitForSelector('#block-tensor-detail .mb-tensor-detail[data-tensor="delta"]');
  assert.ok(!page.url().includes("tensor=B"), "the open tensor is in the URL (Δ, the default, is left out)");
});

test("decoding character by character equals the full forward; steps are timed; the step slider moves the state", async () => {
  const line = page.locator('[data-role="decode-check"]');
  await page.waitForFunction(() => /characters per second/.test(document.querySelector('[data-role="decode-check"]')?.textContent ?? ""), null, { timeout: 300_000 });
  assert.ok(Number(await line.getAttribute("data-step-vs-full")) < 1e-4, (await line.textContent()) ?? "");
  const times = await page.locator("#decoding-time .kit-chart").evaluate((node) => (node as unknown as { data: { y: ArrayLike<number> }[] }).data.map((s) => s.y.length));
  assert.equal(times[1], 100, "100 generated characters, each timed");
  const caption = page.locator("#decoding-state figcaption");
  const before = await caption.textContent();
  await page.getByLabel("Characters read value", { exact: true }).fill("3");
  await page.waitForFunction((text) => document.querySelector("#decoding-state figcaption")?.textContent !== text, before);
  assert.match((await caption.textContent()) ?? "", /after reading 3 token/);
});

test("the cartridge changes the continuation and round-trips through a state file exactly", async () => {
  const cartridge = page.locator(".mb-cartridge");
  await page.waitForFunction(() => Number((document.querySelector(".mb-cartridge") as HTMLElement | null)?.dataset.updates ?? 0) > 0, null, { timeout: 180_000 });
  const logits = () => page.evaluate(() => Array.from((document.querySelector(".mb-cartridge") as any).cartridgeLogits as Float64Array));
  const saved = await logits();
  const vocab = committed.config.vocabSize;
  const prefix = contextIds(tokenizer, await textOf("Text A (its state goes in the cartridge)")).ids;
  const other = contextIds(tokenizer, await textOf("Text B")).ids;
  const continuation = tokenizer.encode(await textOf("Continuation read after B")).ids;
  // Loaded into text B's run, the cartridge answers as text A followed by the continuation, not as B's own state.
  const own = lmForward(committed, [[...other, ...continuation]]).logits.subarray(other.length * vocab);
  assert.ok(saved.some((v, i) => Math.abs(v - own[i]) > 1e-3));
  const expected = lmForward(committed, [[...prefix, ...continuation]]).logits.subarray(prefix.length * vocab);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  assert.ok(saved.every((v, i) => Math.abs(v - expected[i]) < 1e-4 * scale), "cartridge continuation = text A followed by the continuation");

  const downloadEvent = page.waitForEvent("download");
  await cartridge.locator('[data-role="download-state"]').click();
  const file = join(scratch, (await downloadEvent).suggestedFilename());
  await (await downloadEvent).saveAs(file);
  // Change the cartridge, then load the file back: the continuation must be the saved one again.
  const updates = await cartridge.evaluate((node) => Number((node as HTMLElement).dataset.updates));
  await page.locator(".kit-text:has(label:text-is('Text A (its state goes in the cartridge)')) input").fill("Bread and cheese.");
  await cartridge.locator('[data-role="save-state"]').click();
  await page.waitForFunction((n) => Number((document.querySelector(".mb-cartridge") as HTMLElement).dataset.updates) > n, updates, { timeout: 60_000 });
  assert.notDeepEqual(await logits(), saved);
  await cartridge.locator('[data-role="state-upload"]').setInputFiles(file);
  await page.waitForFunction(() => /^Loaded /.test(document.querySelector('[data-role="cartridge-status"]')?.textContent ?? ""), null, { timeout: 60_000 });
  const reloaded = await logits();
  assert.ok(reloaded.every((v, i) => Math.abs(v - saved[i]) < 1e-5 * scale));

  // A damaged file and a checkpoint posing as a state are refused; the cartridge stays.
  const bytes = readFileSync(file);
  writeFileSync(join(scratch, "cut.safetensors"), bytes.subarray(0, bytes.length - 9));
  await cartridge.locator('[data-role="state-upload"]').setInputFiles(join(scratch, "cut.safetensors"));
  await page.waitForFunction(() => document.querySelector('[data-role="cartridge-status"]')?.getAttribute("data-kind") === "error");
  assert.match((await statusOf("cartridge-status")).text, /Could not load cut\.safetensors: .*truncated.*cartridge is unchanged/);
  await cartridge.locator('[data-role="state-upload"]').setInputFiles(join(GOLDEN, "lm-tiny/model.safetensors"));
  await page.waitForFunction(() => /model\.safetensors: not a Mamba state file/.test(document.querySelector('[data-role="cartridge-status"]')?.textContent ?? ""));
  assert.deepEqual(await logits(), reloaded);
});

test("state patching: nothing changes before the differing character, everything after it when every layer is patched", async () => {
  await page.waitForFunction(() => /^The texts differ/.test(document.querySelector('[data-role="patch-status"]')?.textContent ?? ""), null, { timeout: 240_000 });
  const grid = () => page.evaluate(() => {
    const chart = document.querySelector("#state-patching .kit-chart") as any;
    return { values: Array.from(chart.data.values as ArrayLike<number>), rows: chart.data.rows as number };
  });
  const target = contextIds(tokenizer, await textOf("Target text")).ids;
  const source = contextIds(tokenizer, await textOf("Source text (same length)")).ids;
  const changed = target.findIndex((id, t) => id !== source[t]);
  const lastChanged = target.length - 1 - [...target].reverse().findIndex((id, t) => id !== source[target.length - 1 - t]);
  const all = await grid();
  const L = all.rows;
  assert.equal(L, target.length);
  for (let p = 0; p < changed; p++) assert.ok(all.values.slice(p * L, (p + 1) * L).every((v) => v < 1e-4), `row ${p}`);
  const sourceLogits = lmForward(committed, [source]).logits;
  const targetLogits = lmForward(committed, [target]).logits;
  const vocab = committed.config.vocabSize;
  const distance = (t: number) => Math.hypot(...Array.from({ length: vocab }, (_, v) => sourceLogits[t * vocab + v] - targetLogits[t * vocab + v]));
  // Patched after the last differing character, the target reads what the source read from the source's state.
  for (let t = lastChanged + 1; t < L; t++) assert.ok(Math.abs(all.values[lastChanged * L + t] - distance(t)) < 1e-3 * Math.max(1, distance(t)), `patched at ${lastChanged}, output ${t}: ${all.values[lastChanged * L + t]} vs ${distance(t)}`);
  await page.locator(".kit-text:has(label:text-is('Source text (same length)')) input").fill("the bat");
  await page.waitForFunction(() => /same length/.test(document.querySelector('[data-role="patch-status"]')?.textContent ?? ""));
});

/** Waits until the explorer has completed one more run than `runs`. */
async function nextRun(runs: number): Promise<void> {
  // The explorer shares the page's engine with the background decoding above: its runs may wait their turn.
  await page.waitForFunction((n) => Number(document.querySelector(".mb-explorer")?.getAttribute("data-runs")) > n, runs, { timeout: 180_000 });
}
/** Waits until the explorer describes a model matching `pattern` (a loaded checkpoint; runs may still be under way). */
const untilSummaryMatches = (pattern: RegExp) =>
  page.waitForFunction((source) => new RegExp(source).test(document.querySelector('[data-role="checkpoint-summary"]')?.textContent ?? ""), pattern.source, { timeout: 60_000 });
const runsNow = async () => Number(await page.locator(".mb-explorer").getAttribute("data-runs"));

test("a golden checkpoint uploaded from disk runs on the GPU engine and matches HF; perturbations move the outputs", async () => {
  const explorer = page.locator(".mb-explorer");
  const golden = JSON.parse(readFileSync(join(GOLDEN, "lm-odd-shapes/case.json"), "utf8"));
  const ids: number[] = golden.input_ids[0];
  await page.locator(".kit-text:has(label:text-is('Token ids (space-separated)')) input").fill(ids.join(" "));
  await explorer.locator('[data-role="checkpoint-files"]').setInputFiles([join(GOLDEN, "lm-odd-shapes/config.json"), join(GOLDEN, "lm-odd-shapes/model.safetensors")]);
  // The typed ids start a run on the old model too: wait for the new model's summary, then for its predictions.
  await untilSummaryMatches(/3 layers, d_model 24, channels 48, state 8, vocabulary 50/);
  // The page's next-token predictions are the argmax of HF's logits.
  const vocab = 50;
  const expected = ids.map((_id, t) => {
    const row = golden.logits.data.slice(t * vocab, (t + 1) * vocab) as number[];
    return row.indexOf(Math.max(...row));
  });
  const predictedRow = () => explorer.locator('[data-role="checkpoint-predictions"] tr:nth-child(3) td').allTextContents();
  for (let tries = 0; tries < 120 && JSON.stringify((await predictedRow()).map(Number)) !== JSON.stringify(expected); tries++) await page.waitForTimeout(500);
  assert.deepEqual((await predictedRow()).map(Number), expected);
  // Δ × 10 on every token of layer 2 moves the outputs; reset brings them back to zero change.
  let runs = await runsNow();
  await page.locator(".mb-explorer .kit-slider:has(label:text-is('Layer')) input[type=number]").fill("2");
  await page.locator(".mb-explorer").getByLabel("Perturbed tokens: from value", { exact: true }).fill("0");
  await page.locator(".mb-explorer").getByLabel("… to value", { exact: true }).fill("40");
  await page.locator(".mb-explorer").getByLabel("Scale Δ on those tokens (0: skip them) value", { exact: true }).fill("10");
  await nextRun(runs);
  const effect = () => page.evaluate(() => Array.from((document.querySelector("#checkpoint-logit-change .kit-chart") as any).data[0].y as ArrayLike<number>));
  await page.waitForFunction(() => ((document.querySelector("#checkpoint-logit-change .kit-chart") as any).data[0]?.y ?? []).some((v: number) => v > 1e-3));
  assert.equal((await effect()).length, ids.length);
  await explorer.locator("button", { hasText: "Reset perturbations" }).click();
  // Runs already under way may finish first; the reset's own run brings every change back to exactly 0.
  await page.waitForFunction(() => ((document.querySelector("#checkpoint-logit-change .kit-chart") as any).data[0]?.y ?? [1]).every((v: number) => v === 0), null, { timeout: 60_000 });
  assert.equal((await effect()).length, ids.length);
});

test("malformed and oversized checkpoints get a clear message and the page keeps working", async () => {
  const explorer = page.locator(".mb-explorer");
  const weights = readFileSync(join(GOLDEN, "lm-tiny/model.safetensors"));
  const bad = join(scratch, "bad");
  rmSync(bad, { recursive: true, force: true });
  const { mkdirSync } = await import("node:fs");
  mkdirSync(bad);
  writeFileSync(join(bad, "config.json"), readFileSync(join(GOLDEN, "lm-tiny/config.json")));
  writeFileSync(join(bad, "model.safetensors"), weights.subarray(0, weights.length - 100));
  const summaryBefore = (await statusOf("checkpoint-summary")).text;
  await explorer.locator('[data-role="checkpoint-files"]').setInputFiles([join(bad, "config.json"), join(bad, "model.safetensors")]);
  await page.waitForFunction(() => /^Could not load/.test(document.querySelector(".mb-explorer > .mb-status")?.textContent ?? ""));
  assert.match((await explorer.locator("> .mb-status").first().textContent()) ?? "", /model\.safetensors: tensor .* data section has only .* bytes \(file truncated\?\)\. The previous model .* is still loaded/);
  writeFileSync(join(bad, "config.json"), '{"hidden_size": 16,');
  await explorer.locator('[data-role="checkpoint-files"]').setInputFiles([join(bad, "config.json"), join(GOLDEN, "lm-tiny/model.safetensors")]);
  await page.waitForFunction(() => /config\.json is not valid JSON/.test(document.querySelector(".mb-explorer > .mb-status")?.textContent ?? ""));
  await explorer.locator('[data-role="checkpoint-files"]').setInputFiles([join(GOLDEN, "lm-tiny/config.json")]);
  await page.waitForFunction(() => /missing model\.safetensors/.test(document.querySelector(".mb-explorer > .mb-status")?.textContent ?? ""));
  // A 2 GB sparse file: refused from its size alone, before any byte is read.
  const huge = join(bad, "model.safetensors");
  const handle = openSync(huge, "w");
  ftruncateSync(handle, 2 * 1024 ** 3);
  closeSync(handle);
  await explorer.locator('[data-role="checkpoint-files"]').setInputFiles([join(GOLDEN, "lm-tiny/config.json"), huge]);
  await page.waitForFunction(() => /model\.safetensors is 2048 MB, more than the 1024 MB/.test(document.querySelector(".mb-explorer > .mb-status")?.textContent ?? ""));
  rmSync(huge);
  assert.equal((await statusOf("checkpoint-summary")).text, summaryBefore);
  // Still working: a slider change runs the previous model again.
  const runs = await runsNow();
  await page.locator(".mb-explorer").getByLabel("Scale C on those tokens value", { exact: true }).fill("-1");
  await nextRun(runs);
  assert.match((await explorer.locator("> .mb-status").first().textContent()) ?? "", /^Ran \d+ tokens/);
});

test("a tokenizer.json dropped with the checkpoint turns typed text into token ids", async () => {
  const explorer = page.locator(".mb-explorer");
  // A byte-level BPE tokenizer in HF's format whose 12 ids fit lm-tiny's vocabulary of 32.
  const vocab = { c: 0, a: 1, t: 2, "Ġ": 3, s: 4, "Ã": 5, "©": 6, at: 7, cat: 8, "Ġc": 9, "Ġcat": 10, "Ã©": 11 };
  const tokenizer = join(scratch, "tokenizer.json");
  writeFileSync(tokenizer, JSON.stringify({ model: { type: "BPE", vocab, merges: ["Ġ c", "a t", "Ġc at", "c at", "Ã ©"] } }));
  await explorer.locator('[data-role="checkpoint-files"]').setInputFiles([join(GOLDEN, "lm-tiny/config.json"), join(GOLDEN, "lm-tiny/model.safetensors"), tokenizer]);
  await untilSummaryMatches(/vocabulary 32, .* with its tokenizer/);
  await page.locator(".kit-text:has(label:text-is('…or text (with a tokenizer.json)')) input").fill("cat cats");
  await page.waitForFunction(() => (document.querySelector(".mb-explorer .kit-text input") as HTMLInputElement).value === "8 10 4");
  await page.waitForFunction(() => document.querySelectorAll('[data-role="checkpoint-predictions"] tr:first-child td').length === 3);
});

test("the block tensor figures export as SVG under 500 KB, each heatmap one image with a pixel per cell", async () => {
  for (const id of ["block-tensors", "block-tensor-detail"]) {
    const menu = page.locator(`#${id} .kit-export`);
    if (!(await menu.evaluate((node) => (node as HTMLDetailsElement).open))) await menu.locator("summary").click();
    const [download] = await Promise.all([page.waitForEvent("download"), menu.locator('button[data-export="svg"]').click()]);
    const text = readFileSync((await download.path())!, "utf8");
    assert.ok(text.length <= 500 * 1024, `${id}: the SVG is ${Math.round(text.length / 1024)} KB`);
    // Each embedded image, decoded, against the cells the page draws (in document order): one pixel per cell, same colour.
    const check = await page.evaluate(async ([figureId, source]) => {
      const doc = new DOMParser().parseFromString(source, "image/svg+xml");
      const images = Array.from(doc.querySelectorAll("image"));
      const groups = Array.from(document.querySelectorAll(`#${figureId} svg [data-export='raster']`));
      const mismatches: string[] = [];
      for (const [index, image] of images.entries()) {
        const bitmap = new Image();
        bitmap.src = image.getAttribute("href")!;
        await bitmap.decode();
        const canvas = document.createElement("canvas");
        [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
        const context = canvas.getContext("2d")!;
        context.drawImage(bitmap, 0, 0);
        const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
        const rects = Array.from(groups[index].querySelectorAll("rect"));
        if (rects.length !== bitmap.width * bitmap.height) mismatches.push(`image ${index}: ${bitmap.width}×${bitmap.height} pixels for ${rects.length} cells`);
        rects.forEach((rect, i) => {
          const [r, g, b] = getComputedStyle(rect).fill.match(/\d+/g)!.map(Number);
          const at = 4 * i;
          if (Math.max(Math.abs(pixels[at] - r), Math.abs(pixels[at + 1] - g), Math.abs(pixels[at + 2] - b)) > 2) mismatches.push(`image ${index} cell ${i}`);
        });
      }
      return { images: images.length, groups: groups.length, cellRects: doc.querySelectorAll("rect").length, mismatches: mismatches.slice(0, 5) };
    }, [id, text] as const);
    assert.equal(check.images, check.groups, `${id}: every heatmap becomes an image`);
    assert.ok(check.images >= 1, `${id} has no heatmap image`);
    assert.deepEqual(check.mismatches, [], `${id}: the image's pixels are not the cells' colours`);
    assert.ok(check.cellRects < 200, `${id}: ${check.cellRects} <rect>s left in the SVG`);
  }
});

test("the page loaded and ran without console errors, failed or off-origin requests", () => {
  assert.equal(describeProblems(opened.problems), "");
});
