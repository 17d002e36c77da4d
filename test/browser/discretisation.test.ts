/**
 * /discretisation in real Chromium: every control redraws its figure; the plotted numbers agree with
 * the float64 engine — ZOH's samples equal the exact solution, Euler turns unstable exactly past
 * Δλ = 2, the stability map marks each rule's Ā, the error figure's export is the engine's sweep —
 * and on the trained character model the step sizes Δ_t are the model's, the bits per character under
 * each discretisation rule are the float64 reference's, and scaling Δ on some characters changes the states.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { exactAtSamples, heldSamples } from "../../src/engine/discretisation-error.ts";
import { stability, type DiscretisationRule } from "../../src/engine/discretise.ts";
import { signalValue } from "../../src/engine/signals.ts";
import { errorSeries, HORIZON, modeFor, SWEEP_DELTAS } from "../../src/components/discretisation/figures.ts";
import { describeProblems, openPage, type OpenedPage, useSite } from "./harness.ts";
import { nudgeAndExpectChange } from "./chapter-helpers.ts";
import { chartData, panelOf, panelRuns, nextPanelRun, referenceCallCounts, referenceRun, selectiveModel, typeText } from "./model-panel-helpers.ts";
import { characterSurprise, meanBits } from "../../src/components/char-model/readout.ts";
import { DISCRETISATION_RULES } from "../../src/engine/discretise.ts";

const site = useSite();
const opened: OpenedPage[] = [];

async function open(query: string): Promise<Page> {
  // The float64 engine runs the live block: fast and deterministic here; gpu.test.ts covers the GPU engine.
  const page = await openPage(site.browser, site.server.origin, `/discretisation?backend=reference${query ? `&${query.slice(1)}` : ""}`);
  opened.push(page);
  await page.page.locator("#rule-verdicts li").first().waitFor({ timeout: 60_000 });
  return page.page;
}

/** The verdict line of `rule`: its stability flag, Ā, final sample and the exact value there. */
async function verdict(page: Page, rule: DiscretisationRule) {
  const item = page.locator(`#rule-verdicts li[data-rule="${rule}"]`);
  const read = async (name: string) => (await item.getAttribute(`data-${name}`)) ?? "";
  return { stable: await read("stable"), aBar: Number(await read("abar")), final: Number(await read("final")), exact: Number(await read("exact")) };
}

test("Euler's verdict flips exactly past Δλ = 2, ZOH's samples equal the exact solution, the map marks each Ā", async () => {
  const below = await open("?lambda=1&delta=1.99&input=square");
  assert.equal((await verdict(below, "euler")).stable, "true");
  const page = await open("?lambda=5&delta=0.5&input=step");
  const euler = await verdict(page, "euler");
  const zoh = await verdict(page, "zoh");
  assert.equal(euler.stable, "false");
  assert.equal(zoh.stable, "true");
  assert.equal(euler.aBar, stability("euler", -5, 0.5).aBar);
  assert.equal(zoh.aBar, Math.exp(-2.5));
  // The exact solution at the last sample, computed here by the engine; ZOH lands on it, Euler far off.
  const inputs = heldSamples((t) => signalValue("step", t), 0.5, HORIZON);
  const exact = exactAtSamples(modeFor(5), 0.5, inputs);
  const exactLast = exact[exact.length - 1];
  assert.ok(Math.abs(zoh.exact - exactLast) < 1e-12);
  assert.ok(Math.abs(zoh.final - exactLast) < 1e-12, `ZOH ${zoh.final} vs exact ${exactLast}`);
  assert.ok(Math.abs(euler.final) > 1e3, `Euler should have blown up, got ${euler.final}`);
  // Every sampled point of every rule is drawn until Euler leaves the plot.
  const dots = await page.locator("#discretisation-overlay .kit-point").count();
  assert.ok(dots >= 3 * (inputs.length + 1), `only ${dots} sample dots`);
  const markers = await page.locator("#stability-map .kit-marker[data-abar]").evaluateAll((m) => m.map((e) => Number(e.getAttribute("data-abar"))));
  assert.deepEqual(markers, (["euler", "bilinear", "zoh"] as const).map((rule) => stability(rule, -5, 0.5).aBar));

  // Euler's curve Ā = 1 − Δλ over Δλ in [0, 4] leaves the map's Ā axis [−2.5, 1.25] at the bottom: its
  // drawn points stay on that straight line past the edge (none pinned to it), and a clip path ends the line there.
  const map = await page.locator("#stability-map svg").evaluate((svg) => {
    const path = Array.from(svg.querySelectorAll("path.kit-series")).find((p) => p.querySelector("title")?.textContent === "Euler")!;
    const clip = svg.querySelector(`${path.parentElement!.getAttribute("clip-path")!.slice(4, -1)} rect`)!;
    const points = (path.getAttribute("d")!.match(/-?[\d.]+(e-?\d+)?,-?[\d.]+(e-?\d+)?/g) ?? []).map((pair) => pair.split(",").map(Number));
    const box = ["x", "y", "width", "height"].map((name) => Number(clip.getAttribute(name)));
    return { points, box };
  });
  const [left, top, width, height] = map.box;
  const xOf = (dl: number) => left + (dl / 4) * width;
  const yOf = (aBar: number) => top + ((1.25 - aBar) / 3.75) * height;
  assert.equal(map.points.length, 240);
  map.points.forEach(([px, py], i) => {
    const dl = (4 * i) / 239;
    assert.ok(Math.abs(px - xOf(dl)) < 0.01 && Math.abs(py - yOf(1 - dl)) < 0.01, `point ${i} (${px}, ${py}) is not Ā = 1 − Δλ at Δλ = ${dl}`);
  });
  const offPlot = map.points.filter(([, py]) => py > top + height + 0.5).length;
  assert.ok(offPlot > 20, `only ${offPlot} of Euler's points lie below the plot`);
});

test("every slider and the input select redraw their figures; the error export is the engine's sweep", async () => {
  const page = await open("");
  await nudgeAndExpectChange(page, "Decay rate λ = −a (1/s)", "discretisation-overlay");
  for (const id of ["discretisation-overlay", "error-vs-delta", "stability-map", "zoh-euler-ratio"]) await nudgeAndExpectChange(page, "Step Δ (s)", id);
  const before = await page.locator("#error-vs-delta svg").innerHTML();
  await page.getByLabel("Input x (held during each step)").selectOption("sine");
  await page.waitForFunction((old) => document.querySelector("#error-vs-delta svg")?.innerHTML !== old, before);

  // Export the error figure's data: the CSV rows are the engine's errors for the page's λ and input.
  await page.locator("#error-vs-delta .kit-export summary").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator('#error-vs-delta [data-export="csv"]').click()]);
  assert.match(download.suggestedFilename(), /^error-vs-delta_lambda-1\.1_input-sine\.csv$/);
  const rows = readFileSync((await download.path())!, "utf8").trim().split("\n").slice(1).map((line) => line.split(",").map(Number));
  const { errors } = errorSeries(1.1, "sine", 0.51);
  assert.equal(rows.length, SWEEP_DELTAS.length);
  rows.forEach((row, i) => {
    assert.ok(Math.abs(row[0] - SWEEP_DELTAS[i]) <= 1e-12 * SWEEP_DELTAS[i]);
    assert.ok(row[1] === errors.euler[i] || Math.abs(row[1] - errors.euler[i]) <= 1e-9 * errors.euler[i], `Euler error at Δ = ${row[0]}`);
    assert.ok(row[3] < 1e-13, `ZOH error ${row[3]} at Δ = ${row[0]}`);
  });
  const caption = (await page.locator("#error-vs-delta figcaption").textContent()) ?? "";
  assert.match(caption, /Euler (0\.9\d|1(\.0\d?)?), bilinear (1\.9\d|2(\.0\d?)?), Mamba (0\.9\d|1(\.0\d?)?)\./);
});

test("the trained model: Δ_t per character, bits per character under every rule, and a scaled Δ moves the states", async () => {
  const opened1 = await openPage(site.browser, site.server.origin, "/discretisation");
  opened.push(opened1);
  const page = opened1.page;
  const text = "Step by step, the model takes its own steps.";
  await page.locator(`${panelOf("discretisation")}`).waitFor({ timeout: 120_000 });
  await nextPanelRun(page, "discretisation", 0);
  await typeText(page, "discretisation", text);
  const { ids, run } = referenceRun(selectiveModel, text);
  // Δ per character of layer 2, channel 12 (the panel's defaults), start character first.
  await page.waitForFunction((n) => ((document.querySelector("#model-delta-steps .kit-chart") as unknown as { data: { characters: string[] } }).data.characters.length === n), ids.length, { timeout: 60_000 });
  const strip = await chartData<{ values: number[] }>(page, "model-delta-steps");
  strip.values.forEach((value, t) => {
    const expected = run.layers[1].delta[t * 512 + 12];
    assert.ok(Math.abs(value - expected) <= 1e-4 * Math.max(1, expected), `Δ_${t}: ${value} vs ${expected}`);
  });
  // Bits per character under each rule: Mamba's and ZOH on the page's engine, Euler and bilinear in the reference's worker.
  await page.waitForFunction((typed) => (document.querySelector('[data-role="rule-note"]') as HTMLElement | null)?.dataset.text === typed, text, { timeout: 120_000 });
  const note = (await page.locator('[data-role="rule-note"]').textContent()) ?? "";
  assert.match(note, /^\* computed by the float64 reference engine; the others on CPU \(tfjs\)/);
  const bars = await chartData<{ labels: string[]; values: number[] }>(page, "rule-bits-per-character");
  DISCRETISATION_RULES.forEach((rule, i) => {
    const expected = meanBits(characterSurprise(referenceRun(selectiveModel, text, { rule }).run, ids));
    assert.ok(Math.abs(bars.values[i] - expected) < 1e-4, `${rule}: ${bars.values[i]} vs ${expected}`);
    assert.equal(bars.labels[i].endsWith("*"), rule === "euler" || rule === "bilinear", bars.labels[i]);
  });
  const counts = await referenceCallCounts(page);
  assert.equal(counts.page, 0);
  assert.ok(counts.rules >= 2 && counts.rules % 2 === 0, `Euler and bilinear, once each per text read: ${counts.rules}`);
  assert.equal(counts.worker, 4 * (counts.verify + counts.rules), JSON.stringify(counts));
  // Δ × 10 on characters 2–4 of layer 2 changes its states there and after, not before.
  const before = await chartData<{ y: number[] }[]>(page, "linger-time");
  const runs = await panelRuns(page, "discretisation");
  await page.getByLabel("Scale Δ on those characters (0: skip them) value", { exact: true }).fill("10");
  await nextPanelRun(page, "discretisation", runs);
  await page.waitForFunction((old) => JSON.stringify((document.querySelector("#linger-time .kit-chart") as unknown as { data: unknown }).data) !== old, JSON.stringify(before));
  const after = await chartData<{ y: number[] }[]>(page, "linger-time");
  const solid = after[1].y;
  const dashed = after[0].y;
  assert.ok(dashed.slice(0, 2).every((v, t) => Math.abs(v - solid[t]) < 1e-6), "before the perturbed characters nothing changes");
  assert.ok(solid.slice(2).some((v, t) => Math.abs(v - dashed[t + 2]) > 1e-4), "from them on the states move");
  for (const { problems } of opened) assert.equal(describeProblems(problems), "");
});
