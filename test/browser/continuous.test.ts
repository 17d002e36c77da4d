/**
 * /continuous in real Chromium: every control redraws its figure, the eigenvalue markers and the
 * stability verdict match the float64 engine, and the live block's channel figures follow their sliders.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { Page } from "playwright-core";
import { eigenvalues2x2, type Matrix2 } from "../../src/engine/continuous.ts";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.ts";
import { figureSvg, nudgeAndExpectChange } from "./chapter-helpers.ts";

const site = useSite();
let opened: OpenedPage;
let page: Page;

before(async () => {
  await site.ready;
  // The float64 engine runs the live block: fast and deterministic here; gpu.test.ts covers the GPU engine.
  opened = await openPage(site.browser, site.server.origin, "/continuous?backend=reference");
  page = opened.page;
  await page.locator("#block-channel-memory svg .kit-series").first().waitFor({ timeout: 60_000 });
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
    await nudgeAndExpectChange(page, "Token", figureId);
  }
  await nudgeAndExpectChange(page, "Channel", "block-channel-memory");
  assert.equal(await page.locator(".katex-error").count(), 0);
  assert.equal(describeProblems(opened.problems), "");
});
