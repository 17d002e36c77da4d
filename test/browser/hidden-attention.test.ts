/**
 * The /hidden-attention page in headless Chromium (SwiftShader): the matrices it draws — M of a channel
 * computed on the GPU, the LTI twin's Toeplitz M, the layer summary, a state term, Mamba-2's mask, scores
 * and product, the chunked step-through — against the float64 reference on the same model and text,
 * while the text, layer, channel, state and chunk controls move; hovering a cell names its characters;
 * exercises pass; the URL restores the state; every figure exports; the costs are measured on WebGPU.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { loadCharModel } from "../../src/engine/char-lm.js";
import { channelOfLayer, hiddenAttention, layerSummary, scalarDecayVariant, scanChannel, ssdChunked, ssdFactors, stateTerm } from "../../src/engine/hidden-attention.js";
import { DEFAULTS, runText } from "../../src/components/hidden-attention/page-model.js";
import { createReferenceEngine } from "../../src/engine/reference-engine.js";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.js";

const ROOT = resolve(import.meta.dirname, "../..");
const load = (name: string) => {
  const dir = join(ROOT, "data/models", name);
  return loadCharModel(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), readFileSync(join(dir, "model.safetensors")), JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")));
};
const selective = load("char-selective");
const lti = load("char-lti");
const reference = createReferenceEngine();
/** Float32 on the GPU against float64, relative to the largest entry (at least 1). */
const FLOAT32 = 1e-5;

const site = useSite();
let opened: OpenedPage;
let page: Page;

before(async () => {
  await site.ready;
  // WebGL: a real GPU backend whose shaders compile in seconds on SwiftShader (WebGPU is covered by the last test).
  opened = await openPage(site.browser, site.server.origin, "/hidden-attention?backend=webgl");
  page = opened.page;
  await page.waitForSelector('#ha-check[data-source="webgl"]', { timeout: 180_000 });
});

after(async () => {
  await opened?.context.close();
});

function relativeGap(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, "lengths differ");
  let gap = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    gap = Math.max(gap, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return gap / scale;
}

/** What a token-matrix figure draws. */
async function drawn(id: string): Promise<{ values: number[]; size: number; labels: string[] }> {
  return page.evaluate((figureId) => {
    const data = (document.querySelector(`#${figureId} .kit-chart`) as unknown as { data: { values: ArrayLike<number>; size: number; labels: string[] } }).data;
    return { values: Array.from(data.values), size: data.size, labels: [...data.labels] };
  }, id);
}

/** Waits until the matrix check line reports `setup` on the GPU, and returns its dataset. */
async function checkLine(setup: { layer: string; channel: number; length: number }): Promise<DOMStringMap> {
  const selector = `#ha-check[data-source="webgl"][data-layer="${setup.layer}"][data-channel="${setup.channel}"][data-length="${setup.length}"]`;
  await page.waitForSelector(selector, { timeout: 120_000 });
  return page.locator("#ha-check").evaluate((node) => ({ ...(node as HTMLElement).dataset }));
}

async function setNumber(label: string, value: number): Promise<void> {
  await page.getByLabel(`${label} value`, { exact: true }).fill(String(value));
}

test("M of the default channel is computed on the GPU to float32 precision, M u is the scan's y, and the LTI twin's M is Toeplitz", async () => {
  const run = await runText(reference, selective, DEFAULTS.text);
  const L = run.labels.length;
  const dataset = await checkLine({ layer: DEFAULTS.layer, channel: DEFAULTS.channel, length: L });
  assert.ok(Number(dataset.matrixGap) < FLOAT32, `GPU vs float64 M: ${dataset.matrixGap}`);
  assert.ok(Number(dataset.mixGap) < FLOAT32, `M u vs scan: ${dataset.mixGap}`);
  const channel = channelOfLayer(run.layer(0), DEFAULTS.channel);
  const shown = await drawn("hidden-attention-selective");
  assert.deepEqual(shown.labels, run.labels);
  assert.ok(relativeGap(shown.values, hiddenAttention(channel)) < FLOAT32);
  const ltiChannel = channelOfLayer((await runText(reference, lti, DEFAULTS.text)).layer(0), DEFAULTS.channel);
  await page.waitForFunction((size) => (document.querySelector("#hidden-attention-lti .kit-chart") as unknown as { data: { size: number } }).data.size === size, L);
  assert.ok(relativeGap((await drawn("hidden-attention-lti")).values, hiddenAttention(ltiChannel)) < FLOAT32);
  const toeplitz = await page.waitForSelector("#ha-toeplitz[data-lti]").then((node) => node.evaluate((n) => ({ ...(n as HTMLElement).dataset })));
  assert.ok(Number(toeplitz.lti) < 1e-5 && Number(toeplitz.selective) > 0.1, JSON.stringify(toeplitz));
  assert.ok(Number(toeplitz.kernelGap) < FLOAT32);
  // The summary over all 512 channels, on the GPU.
  await page.waitForFunction((size) => (document.querySelector("#hidden-attention-summary .kit-chart") as unknown as { data: { size: number } }).data.size === size, L, { timeout: 120_000 });
  assert.ok(relativeGap((await drawn("hidden-attention-summary")).values, layerSummary(run.layer(0))) < 1e-4);
  // Hover the cell (t = 40, s = 30): the read-out names both characters and the strip marks them.
  const index = (40 * 41) / 2 + 30;
  await page.locator("#hidden-attention-selective .kit-cells rect").nth(index).hover();
  const readout = (await page.locator("#hidden-attention-selective .kit-readout").textContent()) ?? "";
  const value = Number(readout.match(/^M\[40, 30\] = (\S+)/)![1].replaceAll("−", "-"));
  assert.ok(Math.abs(value - hiddenAttention(channel)[40 * L + 30]) < 1e-3 * Math.max(1, Math.abs(value)), readout);
  assert.match(readout, new RegExp(`“${run.labels[40]}” \\(t = 40\\) reads “${run.labels[30]}” \\(s = 30, 10 back\\)`));
  assert.equal(await page.locator("#hidden-attention-selective .kit-token-strip span.is-row").textContent(), run.labels[40]);
  assert.equal(await page.locator("#hidden-attention-selective .kit-token-strip span.is-column").textContent(), run.labels[30]);
  assert.equal(describeProblems(opened.problems), "");
});

test("exercises: the revealed channels and chunk size pass on the default text", async () => {
  await setNumber("Chunk size Q", 17);
  await page.waitForSelector('#exercise-chunk-states[data-state="passed"]');
  await setNumber("Channel c", 186);
  await page.waitForSelector('#exercise-reads-first-character[data-state="passed"]');
  assert.equal(await page.locator("#exercise-looks-only-nearby").getAttribute("data-state"), "open");
  await page.locator(".kit-select:has(label:text-is('Layer')) select").selectOption("3");
  await setNumber("Channel c", 11);
  await page.waitForSelector('#exercise-looks-only-nearby[data-state="passed"]');
  await setNumber("Chunk size Q", DEFAULTS.chunk);
  await page.waitForSelector('#exercise-chunk-states[data-state="open"]');
});

test("a new text, layer, channel, state and chunk size: every figure follows the float64 reference, and the URL restores them", async () => {
  const text = "hello world, hello mamba; the world says hello";
  const setup = { layer: "2", channel: 100, state: 5, chunk: 7, step: 3 };
  await page.locator(".kit-text:has(label:text-is('Your text')) input").fill(text);
  await page.locator(".kit-select:has(label:text-is('Layer')) select").selectOption(setup.layer);
  await setNumber("Channel c", setup.channel);
  await setNumber("State n", setup.state);
  await setNumber("Chunk size Q", setup.chunk);
  await setNumber("Chunk k", setup.step);
  const run = await runText(reference, selective, text);
  const L = run.labels.length;
  await page.waitForFunction((message) => document.querySelector("#ha-text-status")?.textContent === message, `${text.length} characters, read after the start symbol ⏎: L = ${L} tokens.`);
  const dataset = await checkLine({ ...setup, length: L });
  assert.ok(Number(dataset.matrixGap) < FLOAT32 && Number(dataset.mixGap) < FLOAT32, JSON.stringify(dataset));
  const channel = channelOfLayer(run.layer(2), setup.channel);
  assert.ok(relativeGap((await drawn("hidden-attention-selective")).values, hiddenAttention(channel)) < FLOAT32);

  // The state term, its rank-one structure, and the sum over states.
  await page.waitForFunction(([size, state]) => (document.querySelector("#ha-rank") as HTMLElement)?.textContent?.includes(`M⁽${state}⁾`) && (document.querySelector("#hidden-attention-state-term .kit-chart") as unknown as { data: { size: number } }).data.size === size, [L, setup.state] as const);
  // The page's figures come from the run on WebGL (float32 Δ, B, C), the expectations from the float64
  // reference's run: FLOAT32 apart. Identities the page checks within its own run hold to 1e-12.
  assert.ok(relativeGap((await drawn("hidden-attention-state-term")).values, stateTerm(channel, setup.state)) < FLOAT32);
  const rank = await page.locator("#ha-rank").evaluate((node) => ({ ...(node as HTMLElement).dataset }));
  assert.equal(rank.termRank, "1");
  assert.ok(Number(rank.matrixRank) > 1 && Number(rank.matrixRank) <= 16, String(rank.matrixRank));
  assert.ok(Number(rank.sumGap) < 1e-12);

  // Mamba-2's factors for the scalar-A variant, and the chunked step-through.
  const { a, variant } = scalarDecayVariant(channel);
  const factors = ssdFactors(variant);
  assert.ok(Math.abs(Number(await page.locator("#ssd-check").getAttribute("data-a")) - a) < FLOAT32 * Math.max(1, Math.abs(a)));
  assert.ok(Number(await page.locator("#ssd-check").getAttribute("data-dual-gap")) < 1e-12);
  for (const [id, expected] of [["ssd-mask", factors.mask], ["ssd-scores", factors.gram], ["ssd-matrix", factors.matrix]] as const) {
    assert.ok(relativeGap((await drawn(id)).values, expected) < FLOAT32, id);
  }
  const chunked = ssdChunked(variant, setup.chunk);
  await page.waitForSelector(`#ssd-step[data-chunks="${chunked.chunks.length}"][data-shown="${setup.step}"]`);
  assert.ok(Number(await page.locator("#ssd-step").getAttribute("data-total-gap")) < 1e-12);
  const series = await page.evaluate(() => (document.querySelector("#ssd-chunk-output .kit-chart") as unknown as { data: { name: string; y: ArrayLike<number> }[] }).data.map((s) => ({ name: s.name, y: Array.from(s.y) })));
  const end = chunked.chunks[setup.step].end;
  assert.ok(relativeGap(series[0].y, scanChannel(variant)) < FLOAT32);
  assert.ok(relativeGap(series[1].y, chunked.y.subarray(0, end)) < FLOAT32);
  assert.ok(relativeGap(series[2].y, chunked.chunks[setup.step].yFromState) < FLOAT32);
  assert.equal(await page.locator("#ssd-chunks .kit-outline").count(), 2, "the diagonal block and the strip through the state");

  // The URL holds the state; a fresh page opened on it shows the same thing.
  const url = new URL(page.url());
  assert.deepEqual(
    ["text", "layer", "channel", "state", "chunk", "step"].map((key) => url.searchParams.get(key)),
    [text, setup.layer, String(setup.channel), String(setup.state), String(setup.chunk), String(setup.step)],
  );
  const restored = await openPage(site.browser, site.server.origin, url.pathname + url.search);
  try {
    await restored.page.waitForSelector(`#ha-check[data-source="webgl"][data-layer="${setup.layer}"][data-channel="${setup.channel}"][data-length="${L}"]`, { timeout: 120_000 });
    assert.equal(await restored.page.locator(".kit-text:has(label:text-is('Your text')) input").inputValue(), text);
    await restored.page.waitForSelector(`#ssd-step[data-chunks="${chunked.chunks.length}"][data-shown="${setup.step}"]`);
    assert.equal(describeProblems(restored.problems), "");
  } finally {
    await restored.context.close();
  }

  // An empty text keeps the figures and says why.
  await page.locator(".kit-text:has(label:text-is('Your text')) input").fill("");
  await page.waitForSelector('#ha-text-status[data-kind="error"]');
  assert.equal(await page.locator("#ha-text-status").textContent(), "the text is empty: type a few characters");
  assert.equal((await drawn("hidden-attention-selective")).size, L);
  assert.equal(describeProblems(opened.problems), "");
});

test("every figure exports SVG and CSV; one exports PNG", async () => {
  const ids = await page.locator("figure[id]").evaluateAll((figures) => figures.map((figure) => figure.id));
  assert.ok(ids.length >= 12, ids.join(", "));
  for (const id of ids) {
    const menu = page.locator(`#${id} .kit-export`);
    for (const format of ["svg", "csv"]) {
      if (!(await menu.evaluate((node) => (node as HTMLDetailsElement).open))) await menu.locator("summary").click();
      const [download] = await Promise.all([page.waitForEvent("download"), menu.locator(`button[data-export="${format}"]`).click()]);
      assert.ok(download.suggestedFilename().startsWith(`${id}_`) && download.suggestedFilename().endsWith(`.${format}`), download.suggestedFilename());
      const text = readFileSync((await download.path())!, "utf8");
      if (format === "svg") assert.ok(/^(<\?xml[^>]*>\s*)?<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(text) && text.trimEnd().endsWith("</svg>"), `${id}: not a standalone SVG`);
      else assert.ok(text.split("\r\n").length > 2 || id === "ssd-costs", `${id}: empty CSV`);
    }
  }
  const menu = page.locator("#hidden-attention-selective .kit-export");
  if (!(await menu.evaluate((node) => (node as HTMLDetailsElement).open))) await menu.locator("summary").click();
  const [png] = await Promise.all([page.waitForEvent("download"), menu.locator('button[data-export="png-2"]').click()]);
  assert.equal(readFileSync((await png.path())!).subarray(1, 4).toString("ascii"), "PNG");
  assert.equal(describeProblems(opened.problems), "");
});

test("on WebGPU: M matches the float64 reference, and the three forms are measured and agree", async () => {
  const webgpu = await openPage(site.browser, site.server.origin, "/hidden-attention?backend=webgpu&max-length=128");
  try {
    const run = await runText(reference, selective, DEFAULTS.text);
    const L = run.labels.length;
    const check = await webgpu.page.waitForSelector(`#ha-check[data-source="webgpu"][data-length="${L}"]`, { timeout: 240_000 });
    assert.ok(Number(await check.getAttribute("data-matrix-gap")) < FLOAT32);
    assert.ok(Number(await check.getAttribute("data-mix-gap")) < FLOAT32);
    await webgpu.page.getByRole("button", { name: "Measure on this device" }).click();
    const measured = await webgpu.page.waitForSelector(".cs-action[data-state='done'], .cs-action[data-state='failed']", { timeout: 240_000 });
    assert.equal(await measured.getAttribute("data-state"), "done", (await measured.textContent()) ?? "");
    const series = await webgpu.page.evaluate(() => (document.querySelector("#ssd-costs .kit-chart") as unknown as { data: { name: string; x: ArrayLike<number>; y: ArrayLike<number> }[] }).data.map((s) => ({ name: s.name, x: Array.from(s.x), y: Array.from(s.y) })));
    assert.deepEqual(series.map((s) => s.name), ["scan", "quadratic", "chunked"]);
    for (const s of series) {
      assert.deepEqual(s.x, [64, 128]);
      assert.ok(s.y.every((ms) => ms > 0 && Number.isFinite(ms)), `${s.name}: ${s.y}`);
    }
    const worstGap = Number(await webgpu.page.locator("#ssd-costs .kit-chart").getAttribute("data-worst-gap"));
    assert.ok(worstGap < 1e-4, `the dual forms differ from the scan by ${worstGap}`);
    assert.equal(describeProblems(webgpu.problems), "");
  } finally {
    await webgpu.context.close();
  }
});
