/**
 * The convolution-vs-scan page in real headless Chromium (SwiftShader), on the trained character model
 * reading the page's text: the recurrence, the direct convolution and the FFT convolution agree within
 * 1e-5 on WebGL and WebGPU and match the float64 reference, and stop agreeing when Δ, B, C become
 * selective; the kernel, the frozen model's and the LTI twin's bits per character are the reference's;
 * the Hillis–Steele and Blelloch step-throughs end in the sequential scan's states; both timing buttons
 * produce numbers; the page stays clean.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { selectiveScan } from "../../src/engine/selective-scan.ts";
import { scan } from "../../src/engine/scans.ts";
import { channelScanInputs, frozenKernel, frozenModelOverrides, liveBlockOf, repeatedPairs, scanPairs } from "../../src/components/convolution-scan/lti-case.ts";
import { characterSurprise, meanBits } from "../../src/components/char-model/readout.ts";
import { lmForward } from "../../src/engine/model.ts";
import { describeProblems, openPage, useSite } from "./harness.ts";
import { chartData, ltiModel, nextPanelRun, referenceRun, selectiveModel } from "./model-panel-helpers.ts";

/** Relative to the outputs' size: WebGL's FFT computes its twiddle factors in the shader, good to about 1e-4. */
const AGREEMENT = 1e-3;
/** The page's defaults: its text, the panel's layer (0) and channel (3), Scale Δ 1. */
const TEXT = "the rain in spain stays mainly in the plain; the rain in spain";
const DEFAULTS = { channel: 3, deltaScale: 1 };
const reference = referenceRun(selectiveModel, TEXT);
const block = liveBlockOf(reference.run.layers[0]);

const site = useSite();

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The float64 reference y of the page's channel for the given setup. */
function referenceY(setup: typeof DEFAULTS, frozen: boolean): Float64Array {
  const inputs = channelScanInputs(block, { channel: setup.channel, deltaScale: setup.deltaScale, frozen });
  return selectiveScan(inputs).y as Float64Array;
}

/** The series a figure's line plot draws, as plain arrays. */
async function plottedSeries(page: Page, figureId: string): Promise<{ name: string; y: number[] }[]> {
  return page.evaluate((id) => {
    const chart = document.querySelector(`#${id} .kit-chart`) as unknown as { data: { name: string; y: ArrayLike<number> }[] };
    return chart.data.map((s) => ({ name: s.name, y: Array.from(s.y) }));
  }, figureId);
}

/** Waits until the three-ways read-out reflects `mode` and returns its numbers. */
async function readout(page: Page, mode: string): Promise<{ worst: number; backend: string }> {
  // The whole model runs first, on SwiftShader when a GPU backend is asked for: slow, hence the long wait.
  const handle = await page.waitForSelector(`#three-ways-readout[data-mode="${mode}"]`, { timeout: 240_000 });
  return { worst: Number(await handle.getAttribute("data-worst")), backend: (await handle.getAttribute("data-backend")) ?? "" };
}

async function setNumber(page: Page, label: string, value: number): Promise<void> {
  await page.getByLabel(`${label} value`, { exact: true }).fill(String(value));
}

/** Waits until the plotted recurrence is `expected` within the agreement tolerance (the cell re-runs asynchronously). */
async function waitForRecurrence(page: Page, expected: Float64Array): Promise<void> {
  await page.waitForFunction(
    ([values, tolerance]) => {
      const chart = document.querySelector("#three-ways .kit-chart") as unknown as { data: { y: ArrayLike<number> }[] };
      const y = chart.data[0]?.y;
      const scale = Math.max(...values.map(Math.abs));
      return y?.length === values.length && Array.from(y).every((v, i) => Math.abs(v - values[i]) < tolerance * scale);
    },
    [Array.from(expected), AGREEMENT] as const,
    { timeout: 120_000 },
  );
}

/** Checks the three methods against each other and the float64 reference at the page's defaults on `backend`. */
async function checkAgreement(page: Page, backend: string): Promise<void> {
  const frozen = await readout(page, "frozen");
  assert.equal(frozen.backend, backend);
  const reference = referenceY(DEFAULTS, true);
  const scale = Math.max(...reference.map(Math.abs));
  assert.ok(frozen.worst < AGREEMENT * scale, `methods disagree by ${frozen.worst} (outputs of size ${scale})`);
  const series = await plottedSeries(page, "three-ways");
  assert.equal(series.length, 3);
  for (const s of series) {
    const gap = maxAbsDifference(s.y, reference);
    assert.ok(gap < AGREEMENT * scale, `${s.name} is ${gap} from the float64 reference (outputs of size ${scale})`);
  }
}

/** Switches Δ, B, C to selective: the recurrence follows the selective reference, the convolutions miss. */
async function checkSelective(page: Page): Promise<void> {
  const scale = Math.max(...referenceY(DEFAULTS, true).map(Math.abs));
  await page.getByLabel("Δ, B, C", { exact: true }).selectOption("selective");
  const selectiveReference = referenceY(DEFAULTS, false);
  await waitForRecurrence(page, selectiveReference);
  const selective = await readout(page, "selective");
  const [recurrence, direct] = await plottedSeries(page, "three-ways");
  assert.ok(maxAbsDifference(recurrence.y, selectiveReference) < AGREEMENT * scale, "the recurrence does not follow the selective reference");
  assert.ok(selective.worst > 0.05 * scale, `the convolution still matches the selective scan (${selective.worst})`);
  assert.ok(maxAbsDifference(direct.y, selectiveReference) > 0.05 * scale);
  assert.equal(await page.locator("#three-ways-readout").textContent().then((t) => /no longer/.test(t ?? "")), true);
}

describe("the convolution-scan page", () => {
  test("the step-throughs run on the reader's own pairs when chosen, and on the model's again", async () => {
    // p₁, p₂, p₃ from the URL; the select follows the URL too (scan-pairs=yours).
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/convolution-scan?scan-pairs=yours&a1=0.6&a2=0.3&b3=-1.5");
    try {
      const shown = (id: string) =>
        page.evaluate((figureId) => {
          const data = (document.querySelector(`#${figureId} .kit-chart`) as unknown as { data: { input: { a: ArrayLike<number>; b: ArrayLike<number> }; rounds: { pairs: { b: ArrayLike<number> } }[] } }).data;
          return { a: Array.from(data.input.a), b: Array.from(data.input.b), final: Array.from(data.rounds.at(-1)?.pairs.b ?? []) };
        }, id);
      const own = repeatedPairs([[0.6, 1], [0.3, -0.4], [0.8, -1.5]], 16);
      const ownStates = scan("sequential", own.a, own.b);
      for (const id of ["hillis-steele", "blelloch"]) {
        await page.waitForFunction((figureId) => (document.querySelector(`#${figureId} .kit-chart`) as unknown as { data: { rounds: unknown[] } } | null)?.data.rounds.length, id, { timeout: 60_000 });
        const drawn = await shown(id);
        assert.deepEqual([drawn.a, drawn.b], [Array.from(own.a), Array.from(own.b)], `${id} does not scan the reader's pairs`);
        assert.ok(maxAbsDifference(drawn.final, ownStates) < 1e-15, `${id} does not end in the sequential scan of the reader's pairs`);
      }
      // A slider moves them; the model's pairs come back with the select.
      await setNumber(page, "a₁", 0.7);
      await page.waitForFunction(() => (document.querySelector("#hillis-steele .kit-chart") as unknown as { data: { input: { a: ArrayLike<number> } } }).data.input.a[3] === 0.7);
      await page.getByLabel("Pairs the scans run on", { exact: true }).selectOption("model");
      await page.waitForFunction(() => (document.querySelector("#hillis-steele .kit-chart") as unknown as { data: { input: { a: ArrayLike<number> } } }).data.input.a[3] !== 0.7, null, { timeout: 60_000 });
      const model = await shown("hillis-steele");
      // The page's defaults: frozen Δ, B, C, so every a_t is the same e^{ΔA_n} of the channel's averages.
      const expected = scanPairs(block, { ...DEFAULTS, frozen: true }, 0, 16);
      assert.ok(maxAbsDifference(model.a, expected.a) < 1e-5 && maxAbsDifference(model.b, expected.b) < 1e-5 * Math.max(1e-6, ...Array.from(expected.b, Math.abs)), `the model's pairs are not back: ${model.a.join(", ")}`);
      assert.doesNotMatch(page.url(), /scan-pairs=yours/);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });

  test("on WebGL: the three methods agree; kernel, sliding convolution, associativity and both step-throughs follow their controls and the engine; selective breaks the convolution", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/convolution-scan?backend=webgl");
    try {
      await checkAgreement(page, "webgl");
      const setup = { channel: 5, deltaScale: 4 };
      await nextPanelRun(page, "convolution", 0);
      await setNumber(page, "Channel", setup.channel);
      await setNumber(page, "Scale Δ (of the frozen channel, to see the kernel's shape)", setup.deltaScale);
      const expectedKernel = frozenKernel(block, { ...setup, frozen: true });
      await page.waitForFunction(
        (first) => Math.abs((document.querySelector("#lti-kernel .kit-chart") as unknown as { data: { values: ArrayLike<number> } }).data.values[0] - first) < 1e-4 * Math.max(1e-3, Math.abs(first)),
        expectedKernel[0],
        { timeout: 120_000 },
      );
      const kernel = await page.evaluate(() => Array.from((document.querySelector("#lti-kernel .kit-chart") as unknown as { data: { values: ArrayLike<number> } }).data.values));
      const kernelScale = Math.max(...expectedKernel.map(Math.abs));
      assert.ok(maxAbsDifference(kernel, expectedKernel) < 1e-4 * kernelScale, "the stem plot is not the reference's kernel of the model's averages");
      // The three methods still agree for the new channel, and follow the reference there.
      await waitForRecurrence(page, referenceY(setup, true));
      assert.ok(Number(await page.locator("#three-ways-readout").getAttribute("data-worst")) < AGREEMENT * Math.max(...referenceY(setup, true).map(Math.abs)));

      await setNumber(page, "Output k being computed", 20);
      await page.waitForFunction(() => (document.querySelector("#kernel-sliding .kit-chart") as unknown as { data: { position: number } }).data.position === 20);
      assert.equal(await page.locator("#kernel-sliding [data-band='2'] circle").count(), 21, "outputs y_0 … y_20 are drawn");

      await setNumber(page, "a₂", 0.3);
      await setNumber(page, "b₃", -1.5);
      await page.waitForFunction(() => document.querySelector("#associativity-check")?.textContent?.includes("0.27"));
      const regroup = Number(await page.locator("#associativity-check").getAttribute("data-regroup"));
      const reorder = Number(await page.locator("#associativity-check").getAttribute("data-reorder"));
      assert.ok(regroup < 1e-12, `regrouping changed the result by ${regroup}`);
      assert.ok(reorder > 0.1, `reordering left the result unchanged (${reorder})`);

      await setNumber(page, "State n", 2);
      const pairs = scanPairs(block, { ...setup, frozen: true }, 2, 16);
      const sequential = scan("sequential", pairs.a, pairs.b);
      for (const [id, rounds] of [["hillis-steele", 4], ["blelloch", 9]] as const) {
        await page.waitForFunction(
          ([figureId, b0]) => Math.abs((document.querySelector(`#${figureId} .kit-chart`) as unknown as { data: { input: { b: ArrayLike<number> } } }).data.input.b[0] - (b0 as number)) < 1e-5 * Math.max(1e-6, Math.abs(b0 as number)),
          [id, pairs.b[0]] as const,
        );
        const final = await page.evaluate((figureId) => {
          const data = (document.querySelector(`#${figureId} .kit-chart`) as unknown as { data: { rounds: { pairs: { b: ArrayLike<number> } }[] } }).data;
          return { count: data.rounds.length, b: Array.from(data.rounds[data.rounds.length - 1].pairs.b) };
        }, id);
        assert.equal(final.count, rounds);
        assert.ok(maxAbsDifference(final.b, sequential) < 1e-4 * Math.max(1e-6, ...sequential.map(Math.abs)), `${id} does not end in the sequential scan's states`);
        assert.equal(await page.locator(`#${id} [data-round]`).count(), rounds + 1, "all rounds shown at the last step");
      }
      await setNumber(page, "Hillis–Steele: rounds shown", 2);
      await page.waitForFunction(() => document.querySelectorAll("#hillis-steele [data-round]").length === 3);
      for (const row of await page.locator("#work-depth tbody tr").all()) {
        assert.ok(Number(await row.getAttribute("data-max-difference")) < 1e-15);
      }
      assert.deepEqual(await page.locator("#work-depth tbody tr").evaluateAll((rows) => rows.map((r) => [r.children[1].textContent, r.children[2].textContent])), [
        ["15", "15"],
        ["49", "4"],
        ["46", "9"],
      ]);
      // Back to the defaults before switching to selective Δ, B, C.
      await setNumber(page, "Scale Δ (of the frozen channel, to see the kernel's shape)", DEFAULTS.deltaScale);
      await setNumber(page, "Channel", DEFAULTS.channel);
      await checkSelective(page);
      // Freezing the whole model costs bits; the LTI twin, trained to be time-invariant, costs fewer.
      const frozenRun = lmForward(selectiveModel.model, [reference.ids], { overrides: frozenModelOverrides(reference.run) });
      const bits = (run: typeof frozenRun) => meanBits(characterSurprise(run, reference.ids));
      const expected = [bits(reference.run), bits(frozenRun), bits(lmForward(ltiModel.model, [reference.ids]))];
      await page.waitForFunction(() => (document.querySelector("#frozen-vs-selective-bits .kit-chart") as unknown as { data: { values: unknown[] } }).data.values.length === 3, null, { timeout: 120_000 });
      const shown = await chartData<{ values: number[] }>(page, "frozen-vs-selective-bits");
      shown.values.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) < 1e-4, `bar ${i}: ${value} vs ${expected[i]}`));
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });

  test("on WebGPU: the three methods agree, selective breaks the convolution, and the timing buttons measure the scan, attention and the naive loop", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/convolution-scan?backend=webgpu&max-length=64&fused-length=64");
    try {
      await checkAgreement(page, "webgpu");
      await checkSelective(page);
      await page.getByRole("button", { name: "Measure on this device" }).click();
      const measured = await page.waitForSelector(".cs-action[data-state='done'], .cs-action[data-state='failed']", { timeout: 120_000 });
      assert.equal(await measured.getAttribute("data-state"), "done", (await measured.textContent()) ?? "");
      const points = await plottedSeries(page, "measured-scaling");
      assert.deepEqual(points.map((s) => s.name), ["scan", "attention"]);
      for (const s of points) {
        assert.equal(s.y.length, 2, "L = 32, 64");
        assert.ok(s.y.every((ms) => ms > 0 && Number.isFinite(ms)));
      }
      await page.getByRole("button", { name: "Time fused vs naive" }).click();
      await page.waitForSelector("#fused-readout[data-naive-ms]", { timeout: 120_000 });
      const fused = await page.locator("#fused-readout").evaluate((node) => ({ ...(node as HTMLElement).dataset }));
      assert.ok(Number(fused.maxDifference) < AGREEMENT, `fused and naive disagree by ${fused.maxDifference}`);
      assert.ok(Number(fused.fusedMs) > 0 && Number(fused.naiveMs) > 0);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});
