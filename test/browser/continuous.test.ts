/**
 * /continuous in real Chromium: every control redraws its figure, the eigenvalue markers and the
 * stability verdict match the float64 engine, and the trained character model's channel — its poles,
 * its integrators driven by the text typed — matches the checkpoint and the float64 reference; the page
 * computes nothing in float64 but through the verifier.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { Page } from "playwright-core";
import { eigenvalues2x2, type Matrix2 } from "../../src/engine/continuous.ts";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.ts";
import { figureSvg, nudgeAndExpectChange } from "./chapter-helpers.ts";
import { chartData, referenceCallCounts, referenceRun, selectiveModel, typeText } from "./model-panel-helpers.ts";

const site = useSite();
let opened: OpenedPage;
let page: Page;

before(async () => {
  await site.ready;
  // The automatic choice: tfjs's CPU backend in a worker here (SwiftShader is skipped); gpu.test.ts covers the GPU kernels.
  opened = await openPage(site.browser, site.server.origin, "/continuous");
  page = opened.page;
  await page.locator("#block-channel-memory svg .kit-series").first().waitFor({ timeout: 120_000 });
});

/** The eigenvalue markers as drawn: [re, im] from their data attributes. */
async function drawnEigenvalues(): Promise<[number, number][]> {
  return page.locator("#eigenvalues .kit-marker").evaluateAll((markers) => markers.map((m) => [Number(m.getAttribute("data-re")), Number(m.getAttribute("data-im"))] as [number, number]));
}

function assertEigenvaluesMatch(drawn: [number, number][], A: Matrix2): void {
  const engine = eigenvalues2x2(A);
  assert.equal(drawn.length, 2);
  engine.forEach((l, i) => {
    assert.ok(Math.abs(drawn[i][0] - l.re) < 1e-12 && Math.abs(drawn[i][1] - l.im) < 1e-12, `eigenvalue ${i}: drawn ${drawn[i]} vs engine ${l.re} ${l.im}`);
  });
}

test("each entry of A redraws the phase portrait and moves the eigenvalues", async () => {
  for (const label of ["a₁₁", "a₁₂", "a₂₁", "a₂₂"]) {
    const eigenBefore = await figureSvg(page, "eigenvalues");
    await nudgeAndExpectChange(page, label, "phase-portrait");
    assert.notEqual(await figureSvg(page, "eigenvalues"), eigenBefore, `${label} did not move the eigenvalues`);
  }
  // Defaults −0.2, −2, 2, −0.2, each moved one step of 0.1 to the right.
  assertEigenvaluesMatch(await drawnEigenvalues(), [-0.1, -1.9, 2.1, -0.1]);
});

test("presets: eigenvalues match the engine and the verdict flips between stable and unstable", async () => {
  const verdict = page.locator("#stability-verdict");
  await page.getByRole("button", { name: "unstable", exact: true }).click();
  await page.waitForFunction(() => document.querySelector("#stability-verdict")?.getAttribute("data-stable") === "false");
  assert.match((await verdict.textContent()) ?? "", /^Unstable \(unstable spiral\)/);
  assertEigenvaluesMatch(await drawnEigenvalues(), [0.3, -1.5, 1.5, 0.3]);
  await page.getByRole("button", { name: "Mamba: diagonal, negative" }).click();
  await page.waitForFunction(() => document.querySelector("#stability-verdict")?.getAttribute("data-stable") === "true");
  assert.match((await verdict.textContent()) ?? "", /^Stable \(stable node\)/);
  assertEigenvaluesMatch(await drawnEigenvalues(), [-1, 0, 0, -2]);
});

test("the input signal, the EMA bank and the live channel each follow their controls", async () => {
  for (const signal of ["impulse", "step", "sine", "square"]) {
    const before = await figureSvg(page, "signal-response");
    await page.getByLabel("Input signal").selectOption(signal);
    await page.waitForFunction((old) => document.querySelector("#signal-response svg")?.innerHTML !== old, before);
  }
  await nudgeAndExpectChange(page, "Slowest time constant τ (the others are τ/3, τ/9, τ/27) (s)", "ema-bank");
  await nudgeAndExpectChange(page, "Selectivity preview: time runs this much faster on the important tokens (×)", "ema-bank");
  for (const figureId of ["block-channel-memory", "block-channel-bc"]) {
    await nudgeAndExpectChange(page, "Character (position in the text, 0 = the start)", figureId);
  }
  await nudgeAndExpectChange(page, "Channel", "model-channel-eigenvalues", 120_000);
  assert.equal(await page.locator(".katex-error").count(), 0);
  assert.equal(describeProblems(opened.problems), "");
});

test("typed text: the channel's poles are the checkpoint's −exp(A_log), its integrators the reference's u and h", async () => {
  const text = "A leaky integrator, read one character at a time.";
  await typeText(page, "continuous", text);
  await page.locator(".kit-select:has(label:text-is('Layer')) select").first().selectOption("2");
  await page.waitForFunction(() => (document.querySelector('[data-role="model-panel"]') as unknown as { value?: { layer: number } }).value?.layer === 2, null, { timeout: 120_000 });
  const channel = await page.locator('[data-role="model-panel"]').evaluate((node) => (node as unknown as { value: { channel: number } }).value.channel);
  const { ALog } = selectiveModel.model.layers[2].mixer;
  // The figures follow the panel's reading in the cells after it.
  await page.waitForFunction((first) => Math.abs(((document.querySelector("#model-channel-eigenvalues .kit-chart") as unknown as { data: { markers: { re: number }[] } }).data.markers[0]?.re ?? 0) - first) < 1e-5 * Math.abs(first), -Math.exp(ALog[channel * 16]));
  const markers = (await chartData<{ markers: { re: number; im: number }[] }>(page, "model-channel-eigenvalues")).markers;
  assert.equal(markers.length, 16);
  markers.forEach((marker, n) => {
    const expected = -Math.exp(ALog[channel * 16 + n]);
    assert.ok(Math.abs(marker.re - expected) <= 1e-6 * Math.abs(expected) && marker.im === 0, `λ_${n}: ${marker.re} vs ${expected}`);
  });
  const series = await chartData<{ name: string; y: number[] }[]>(page, "model-channel-integrators");
  const { run } = referenceRun(selectiveModel, text, { statesOf: [2] });
  const reference = run.layers[2];
  const length = run.length;
  const u = Array.from({ length }, (_, t) => reference.u[t * 512 + channel]);
  const scale = Math.max(1, ...u.map(Math.abs));
  series[0].y.forEach((value, t) => assert.ok(Math.abs(value - u[t]) <= 1e-4 * scale, `u_${t}`));
  const h0 = Array.from({ length }, (_, t) => reference.states![(t * 512 + channel) * 16]);
  series[1].y.forEach((value, t) => assert.ok(Math.abs(value - h0[t]) <= 1e-4 * Math.max(1, ...h0.map(Math.abs)), `h_${t}[0]`));
});

test("the page runs no float64 forward of its own: only the verifier's, in its worker", async () => {
  const counts = await referenceCallCounts(page);
  assert.equal(counts.page, 0, "no float64 block forward on the page");
  assert.ok(counts.verify >= 1, "the verifier ran");
  assert.equal(counts.worker, 4 * (counts.verify + counts.rules), JSON.stringify(counts));
  const line = (await page.locator('[data-role="verification"]').textContent()) ?? "";
  assert.match(line, /largest relative difference/);
  assert.ok(Number(await page.locator('[data-role="verification"]').getAttribute("data-relative")) < 1e-4);
});
