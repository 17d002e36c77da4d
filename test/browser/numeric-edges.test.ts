/**
 * Numeric edge cases reach the figures as a visible "unstable" state, never as NaN or a blank chart,
 * and the figures recover when the values come back. The block widget on /kit is pushed past the
 * float range (A's sign flipped, Δ × 100 on every token) through the URL and through its controls,
 * on the float64 reference and on the GPU engine's code path (tfjs CPU backend: same kernels' glue,
 * fast in CI), then brought back; Δ → 0 must stay finite. The discretisation chapter's Euler blow-up
 * goes through the same guard (charts/chart.ts markOverflow). That no page shows the badge in its
 * default state (no false alarm) is checked by budgets.test.ts, which opens every page anyway.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { describeProblems, openPage, useSite } from "./harness.ts";

const site = useSite();

const UNSTABLE = "block-ascale=-3&block-dscale=100&block-from=0&block-to=29";

const rendered = (page: Page) => page.evaluate(() => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered);

/** Runs `act`, waits for the widget's next redraw, and returns what the reader sees of the overflow state. */
async function afterRedraw(page: Page, act: () => Promise<unknown>) {
  const count = await rendered(page);
  await act();
  await page.waitForFunction((n) => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered > n, count, { timeout: 30_000 });
  return widgetState(page);
}

/** Overflow marks of the widget, its status line, and whether every heatmap still draws its cells. */
function widgetState(page: Page) {
  return page.evaluate(() => {
    const widget = document.querySelector(".kit-widget")!;
    const heatmaps = [...widget.querySelectorAll(".kit-heatmap")];
    return {
      widgetOverflow: widget.hasAttribute("data-overflow"),
      overflowingCharts: widget.querySelectorAll(".kit-chart[data-overflow]").length,
      badges: [...widget.querySelectorAll(".kit-overflow-badge")].map((badge) => badge.textContent ?? ""),
      status: widget.querySelector(".kit-widget-status")?.textContent ?? "",
      blankHeatmaps: heatmaps.filter((chart) => chart.querySelectorAll("svg rect").length < 16).length,
      heatmaps: heatmaps.length,
    };
  });
}

const setNumber = (page: Page, param: string, value: number) => page.locator(`[data-param="${param}"] input.kit-number`).fill(String(value));

for (const backend of ["reference", "cpu"]) {
  test(`the block widget (${backend}) shows overflow, recovers, and stays finite as Δ → 0`, { timeout: 90_000 }, async () => {
    const { page, problems, context } = await openPage(site.browser, site.server.origin, `/kit?backend=${backend}&${UNSTABLE}`);
    const engine = backend === "cpu" ? "CPU (tfjs)" : "float64 reference";
    await page.waitForFunction((name) => document.querySelector(".kit-widget-status")?.textContent?.startsWith(`Engine: ${name} ·`), engine, { timeout: 60_000 });

    const unstable = await widgetState(page);
    assert.ok(unstable.widgetOverflow, "the widget marks itself unstable");
    assert.ok(unstable.overflowingCharts >= 1 && unstable.badges.length === unstable.overflowingCharts, JSON.stringify(unstable));
    for (const badge of unstable.badges) assert.match(badge, /^⚠ unstable: \d+ values? overflowed \(NaN or ±∞\) and (is|are) not drawn$/);
    assert.match(unstable.status, /⚠ unstable: \d+ figures? overflowed/);
    assert.equal(unstable.blankHeatmaps, 0, "no figure goes blank");

    const reset = await afterRedraw(page, () => page.locator(".kit-reset-perturbations").click());
    assert.deepEqual([reset.widgetOverflow, reset.overflowingCharts, reset.badges], [false, 0, []], "the figures recover when the values come back");
    assert.doesNotMatch(reset.status, /unstable|NaN/);

    const still = await afterRedraw(page, () => setNumber(page, "block-dscale", 0));
    assert.deepEqual([still.widgetOverflow, still.overflowingCharts, still.blankHeatmaps], [false, 0, 0], "Δ → 0 holds the state: finite");

    await afterRedraw(page, () => setNumber(page, "block-dscale", 100));
    const flipped = await afterRedraw(page, () => setNumber(page, "block-ascale", -3));
    assert.ok(flipped.widgetOverflow && flipped.overflowingCharts >= 1, "the controls reach the unstable state too");
    const back = await afterRedraw(page, () => setNumber(page, "block-ascale", 1));
    assert.deepEqual([back.widgetOverflow, back.overflowingCharts, back.badges.length], [false, 0, 0]);
    assert.equal(describeProblems(problems), "");
    await context.close();
  });
}

test("the discretisation chapter's Euler blow-up is marked unstable and recovers", { timeout: 60_000 }, async () => {
  const { page, problems, context } = await openPage(site.browser, site.server.origin, "/discretisation?lambda=5&delta=0.5");
  const overlay = page.locator("#discretisation-overlay .kit-chart");
  await page.waitForFunction(() => document.querySelector("#discretisation-overlay .kit-chart[data-overflow]"), null, { timeout: 30_000 });
  assert.match((await overlay.locator(".kit-overflow-badge").textContent()) ?? "", /^⚠ unstable: \d+ values overflowed/);
  await setNumber(page, "lambda", 1);
  await page.waitForFunction(() => !document.querySelector("#discretisation-overlay .kit-chart[data-overflow]"), null, { timeout: 30_000 });
  assert.equal(await overlay.locator(".kit-overflow-badge").count(), 0);
  assert.equal(describeProblems(problems), "");
  await context.close();
});
