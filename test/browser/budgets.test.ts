/**
 * tfjs only where a model runs, and never before the first figure: every built page is opened and the
 * tfjs modules in its network log are listed. The home page draws its first figure without tfjs and
 * loads it afterwards, for the language model below the fold; any page that loads tfjs must actually
 * run the engine (its header badge names the tfjs backend in use, as showBackend fills it), and a page
 * whose badge only reports the available GPU API (no engine) must load none. The byte and time budgets
 * themselves are measured by `npm run bench:budgets` (bench/budgets.ts). The same visits check that
 * no chart shows the overflow badge (charts/chart.ts) in a page's default state: no false alarm.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { builtPages, isTfjs, recordFirstFigure } from "../../bench/budgets.ts";
import { useSite } from "./harness.ts";

const site = useSite();
/** What each built page did at its defaults (filled once in `before`: one visit per page). */
const visits = new Map<string, Visit>();

interface Visit {
  /** tfjs modules requested. */
  modules: string[];
  /** The header badge's data-backend once settled: a tfjs backend, "available", or undefined. */
  badge: string | undefined;
  /** Charts marked with data-overflow. */
  overflowing: number;
  /** Was a figure drawn (recordFirstFigure) before the first tfjs module was requested? Undefined without tfjs. */
  figureBeforeTfjs: boolean | undefined;
}

before(async () => {
  await site.ready;
  for (const path of builtPages()) visits.set(path, await visit(path));
});

/** Opens `path` at its defaults and records its tfjs requests, its badge and its overflowing charts. */
async function visit(path: string): Promise<Visit> {
  const context = await site.browser.newContext();
  await context.addInitScript({ content: recordFirstFigure });
  // Room for every resource's timing (the default 250 fill up before the model's modules arrive).
  await context.addInitScript({ content: "performance.setResourceTimingBufferSize(10000);" });
  const page = await context.newPage();
  const modules: string[] = [];
  page.on("request", (request) => {
    if (isTfjs(request.url())) modules.push(new URL(request.url()).pathname);
  });
  // ?backend=cpu: an engine, where there is one, starts in a second instead of probing WebGPU.
  await page.goto(`${site.server.origin}${path}?backend=cpu`, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  // A page may fall quiet before it loads its model (the home page's panel comes after its first figure).
  if (modules.length === 0) await page.waitForRequest((request) => isTfjs(request.url()), { timeout: 8_000 }).catch(() => {});
  if (modules.length > 0) {
    await page.waitForFunction(() => ["webgpu", "webgl", "cpu"].includes(document.getElementById("backend-badge")?.dataset.backend ?? ""), null, { timeout: 20_000 }).catch(() => {});
  }
  const badge = await page.evaluate(() => document.getElementById("backend-badge")?.dataset.backend);
  const overflowing = await page.locator(".kit-chart[data-overflow]").count();
  // Both times are on the page's clock: the first figure's frame, and when the first tfjs fetch started.
  const figureBeforeTfjs = await page.evaluate(() => {
    const tfjsStarts = performance.getEntriesByType("resource").filter((entry) => entry.name.includes("/_node/@tensorflow/")).map((entry) => entry.startTime);
    if (tfjsStarts.length === 0) return undefined;
    const figureAt = (window as unknown as { __firstFigureAt?: number }).__firstFigureAt;
    return figureAt !== undefined && figureAt < Math.min(...tfjsStarts);
  });
  await context.close();
  return { modules, badge, overflowing, figureBeforeTfjs };
}

test("tfjs is loaded only by pages that run a model, and never before the home page's first figure", () => {
  assert.ok(visits.has("/") && visits.has("/kit"), `unexpected build: ${[...visits.keys()].join(", ")}`);
  const home = visits.get("/")!;
  assert.equal(home.figureBeforeTfjs, true, "the home page's first figure waits for tfjs");
  const kit = visits.get("/kit")!;
  assert.ok(kit.modules.length > 0 && kit.badge === "cpu", "the kit runs the block on tfjs (a check that this test can see tfjs at all)");
  for (const [path, { modules, badge }] of visits) {
    if (modules.length > 0) assert.equal(badge, "cpu", `${path} loads ${modules.length} tfjs modules but runs no engine (badge: ${badge})`);
    else assert.notEqual(badge, "cpu", `${path} claims to run the engine without tfjs`);
  }
});

test("no page shows an overflow badge in its default state", () => {
  for (const [path, { overflowing }] of visits) assert.equal(overflowing, 0, `${path} shows overflow at its defaults`);
});
