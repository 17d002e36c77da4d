/**
 * `npm run bench:budgets`: per built page, the JavaScript it loads (gzip-compressed bytes of every JS
 * response in its network log, after the network is idle), whether any of it is tfjs, the time to its
 * first figure and the time until it is usable (both defined below, at `recordFirstFigure` and
 * `measureUsable`), against the budgets every page must meet on this 2-core machine with a software
 * GPU: FIRST_FIGURE_BUDGET_MS and USABLE_BUDGET_MS. Results go to bench/results/budgets.json and are
 * printed against the previous run (the committed JSON), with pages that got heavier or slower than
 * BUDGET_SLACK allows flagged. Builds are read from SITE_DIST (default dist/):
 * `SITE_DIST=dist-x npm run build && SITE_DIST=dist-x npm run bench:budgets`.
 * test/browser/page-budgets.test.ts asserts the same two budgets with the same functions.
 *   --runs=N   median of N loads per page (default 3)
 *   --strict   exit 1 when a page is over a budget, or over its previous figure by more than BUDGET_SLACK
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { DIST, launchChromium, serveStatic } from "../test/browser/harness.js";

export interface PageBudget {
  /** gzip (level 9) bytes of every JavaScript response the page loaded. */
  jsGzipBytes: number;
  jsFiles: number;
  /** The tfjs modules among them (empty on pages that run no block). */
  tfjsModules: string[];
  /** ms from navigation start to the first drawn figure (recordFirstFigure); null on a page without figures. */
  firstFigureMs: number | null;
  /** ms from navigation start until the first slider answers (measureUsable); null on a page without sliders. */
  usableMs: number | null;
}

export interface BudgetsFile {
  measuredAt: string;
  device: string;
  pages: Record<string, PageBudget>;
}

/**
 * Growth over the previous run that counts as over budget: bytes are deterministic, load times on a
 * shared machine vary by tens of percent between runs.
 */
export const BUDGET_SLACK = { jsGzipBytes: 0.1, firstFigureMs: 0.5, usableMs: 0.5 } as const;

/** Every page shows its first figure within this many ms of navigation start, here (2 cores, software GPU)... */
export const FIRST_FIGURE_BUDGET_MS = 3000;
/** ...and its controls answer within this many. */
export const USABLE_BUDGET_MS = 6000;

/**
 * An init script (run in the page before its own code) that records, in `window.__firstFigureAt`,
 * the time to the FIRST FIGURE: ms from navigation start (performance.now()) to the first animation
 * frame in which some `.kit-figure` of the page holds a drawn SVG, that is an SVG with a data mark —
 * a path with a non-empty `d`, a rect, circle, line, polygon, polyline, image or text — outside its
 * axes (`.kit-axis`, axis titles) and colour legend (`.kit-color-legend`). A chart drawn with no data
 * yet (bare axes) or a placeholder saying what is coming does not count.
 */
export const recordFirstFigure = `(() => {
  // Plain JavaScript, not a TypeScript function: tsx would wrap named functions in a helper the page lacks.
  const marks = "path, rect, circle, line, polygon, polyline, image, text";
  const isMark = (mark) =>
    !mark.closest(".kit-axis, .kit-color-legend, [data-placeholder]") && !mark.classList.contains("kit-axis-title") &&
    (mark.localName !== "path" || (mark.getAttribute("d") || "").length > 2);
  const drawn = () => Array.from(document.querySelectorAll(".kit-figure svg")).some((svg) => Array.from(svg.querySelectorAll(marks)).some(isMark));
  const check = () => {
    if (drawn()) window.__firstFigureAt = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;

/** The recorded time to the first figure, waiting up to `timeout` ms for it; null when none appeared. */
export async function firstFigureMs(page: Page, timeout = 30_000): Promise<number | null> {
  return page
    .waitForFunction(() => (window as unknown as { __firstFigureAt?: number }).__firstFigureAt ?? false, null, { timeout, polling: 50 })
    .then((handle) => handle.jsonValue() as Promise<number>)
    .catch(() => null);
}

/**
 * The time until the page is USABLE: ms from navigation start until moving its first slider (the
 * first `input[type=range]` in the main column) one keyboard step, as a reader would, changes the
 * drawing of the first figure after that slider in document order. The slider is moved as soon as
 * that figure is drawn and has stayed unchanged for 100 ms, so the change is the slider's doing, not
 * a late redraw; the time is that of the first animation frame showing the change. Null when the page
 * has no slider with a figure after it, or the figure did not change within `timeout` ms.
 */
export async function measureUsable(page: Page, timeout = 30_000): Promise<number | null> {
  const deadline = Date.now() + timeout;
  const slider = page.locator("#observablehq-main input[type=range]").first();
  if ((await slider.count()) === 0) return null;
  // Marks the first figure after the slider with data-usable-probe, once one exists with a drawing.
  const found = await page
    .waitForFunction(
      () => {
        const range = document.querySelector("#observablehq-main input[type=range]");
        if (!range) return false;
        const after = Array.from(document.querySelectorAll<HTMLElement>(".kit-figure")).find((figure) => range.compareDocumentPosition(figure) & Node.DOCUMENT_POSITION_FOLLOWING);
        if (!after?.querySelector("svg *")) return false;
        after.dataset.usableProbe = "";
        return true;
      },
      null,
      { timeout, polling: 50 },
    )
    .then(() => true, () => false);
  if (!found) return null;
  const drawing = () => page.evaluate(() => document.querySelector("[data-usable-probe] svg")?.innerHTML ?? "");
  let before = await drawing();
  for (;;) {
    await page.waitForTimeout(100);
    const now = await drawing();
    if (now === before) break;
    before = now;
    if (Date.now() > deadline) return null;
  }
  await slider.focus();
  const atMax = await slider.evaluate((input: HTMLInputElement) => Number(input.value) >= Number(input.max));
  await page.keyboard.press(atMax ? "ArrowLeft" : "ArrowRight");
  return page
    .waitForFunction((old) => (document.querySelector("[data-usable-probe] svg")?.innerHTML !== old ? performance.now() : false), before, {
      timeout: Math.max(1, deadline - Date.now()),
      polling: "raf",
    })
    .then((handle) => handle.jsonValue() as Promise<number>)
    .catch(() => null);
}
export const RESULTS = resolve(import.meta.dirname, "results/budgets.json");

/** The site's pages, from the build: "/" and "/name" for each top-level HTML file. */
export function builtPages(dist = DIST): string[] {
  return readdirSync(dist)
    .filter((file) => file.endsWith(".html") && file !== "404.html")
    .map((file) => (file === "index.html" ? "/" : `/${file.replace(/\.html$/, "")}`))
    .sort();
}

/** Is this URL one of tfjs's modules (Framework bundles each npm package under /_node/<name>@<version>/). */
export function isTfjs(url: string): boolean {
  return /\/_node\/@tensorflow\//.test(url);
}

/** Loads `path` once in a fresh context and measures its JavaScript, its first figure and when it is usable. */
export async function measurePage(browser: Browser, origin: string, path: string): Promise<PageBudget> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript({ content: recordFirstFigure });
  const page = await context.newPage();
  const bodies: Promise<{ url: string; gzip: number }>[] = [];
  page.on("response", (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!type.includes("javascript")) return;
    // A module that arrives as the context closes (loaded after network idle) has no body to read: counted as 0 bytes.
    bodies.push(response.body().then((body) => ({ url: response.url(), gzip: gzipSync(body, { level: 9 }).length }), () => ({ url: response.url(), gzip: 0 })));
  });
  await page.goto(origin + path, { waitUntil: "commit" });
  const firstFigure = await firstFigureMs(page);
  const usable = firstFigure === null ? null : await measureUsable(page);
  await page.waitForLoadState("networkidle");
  const files = await Promise.all(bodies);
  await context.close();
  return {
    jsGzipBytes: files.reduce((sum, file) => sum + file.gzip, 0),
    jsFiles: files.length,
    tfjsModules: files.filter((file) => isTfjs(file.url)).map((file) => new URL(file.url).pathname),
    firstFigureMs: firstFigure === null ? null : Math.round(firstFigure),
    usableMs: usable === null ? null : Math.round(usable),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Pages over a time budget: "PATH: first figure 3200 ms > 3000 ms" lines (empty when all are within). */
export function overBudget(pages: Record<string, Pick<PageBudget, "firstFigureMs" | "usableMs">>): string[] {
  const over: string[] = [];
  for (const [path, { firstFigureMs, usableMs }] of Object.entries(pages)) {
    if (firstFigureMs !== null && firstFigureMs > FIRST_FIGURE_BUDGET_MS) over.push(`${path}: first figure ${firstFigureMs} ms > ${FIRST_FIGURE_BUDGET_MS} ms`);
    if (firstFigureMs !== null && (usableMs === null || usableMs > USABLE_BUDGET_MS)) over.push(`${path}: usable ${usableMs ?? "never"} ms > ${USABLE_BUDGET_MS} ms`);
  }
  return over;
}

/** One line per page: bytes, first figure and usable, with the change against `previous`; returns what got worse. */
function report(current: BudgetsFile, previous: BudgetsFile | undefined): string[] {
  const worse: string[] = [];
  const change = (now: number | null, before: number | null | undefined, slack: number) => {
    if (now === null || before === null || before === undefined || before === 0) return "";
    const ratio = now / before - 1;
    return ` (${ratio >= 0 ? "+" : ""}${(100 * ratio).toFixed(1)}%${ratio > slack ? " WORSE" : ""})`;
  };
  const time = (now: number | null, before: number | null | undefined, slack: number, none: string) => (now === null ? none : `${now} ms${change(now, before, slack)}`);
  console.log(`page                 JS gzip (files)        tfjs  first figure (≤ ${FIRST_FIGURE_BUDGET_MS} ms)  usable (≤ ${USABLE_BUDGET_MS} ms)`);
  for (const [path, now] of Object.entries(current.pages)) {
    const before = previous?.pages[path];
    const bytes = `${(now.jsGzipBytes / 1024).toFixed(1)} KiB${change(now.jsGzipBytes, before?.jsGzipBytes, BUDGET_SLACK.jsGzipBytes)} (${now.jsFiles})`;
    const figure = time(now.firstFigureMs, before?.firstFigureMs, BUDGET_SLACK.firstFigureMs, "no figure");
    const usable = time(now.usableMs, before?.usableMs, BUDGET_SLACK.usableMs, now.firstFigureMs === null ? "—" : "no slider answered");
    console.log(`${path.padEnd(20)} ${bytes.padEnd(22)} ${String(now.tfjsModules.length > 0).padEnd(5)} ${figure.padEnd(26)} ${usable}`);
    if (before && now.jsGzipBytes > before.jsGzipBytes * (1 + BUDGET_SLACK.jsGzipBytes)) worse.push(`${path}: JavaScript`);
    if (before?.firstFigureMs && now.firstFigureMs !== null && now.firstFigureMs > before.firstFigureMs * (1 + BUDGET_SLACK.firstFigureMs)) worse.push(`${path}: first figure`);
    if (before?.usableMs && now.usableMs !== null && now.usableMs > before.usableMs * (1 + BUDGET_SLACK.usableMs)) worse.push(`${path}: usable`);
  }
  console.log(previous ? `compared with the run of ${previous.measuredAt} (${previous.device})` : "no previous run to compare with");
  return worse;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Math.max(1, Number(args.find((a) => a.startsWith("--runs="))?.split("=")[1] ?? 3));
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as BudgetsFile) : undefined;
  const server = await serveStatic();
  const browser = await launchChromium();
  const pages: Record<string, PageBudget> = {};
  const device = `headless Chromium ${browser.version()}, SwiftShader (software GPU), ${cpus().length} cores`;
  const medianOf = (values: (number | null)[]) => {
    const known = values.filter((ms): ms is number => ms !== null);
    return known.length ? median(known) : null;
  };
  try {
    for (const path of builtPages()) {
      const loads: PageBudget[] = [];
      for (let run = 0; run < runs; run++) loads.push(await measurePage(browser, server.origin, path));
      pages[path] = {
        ...loads[0],
        jsGzipBytes: median(loads.map((load) => load.jsGzipBytes)),
        firstFigureMs: medianOf(loads.map((load) => load.firstFigureMs)),
        usableMs: medianOf(loads.map((load) => load.usableMs)),
      };
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const current: BudgetsFile = { measuredAt: new Date().toISOString(), device, pages };
  const worse = report(current, previous);
  writeFileSync(RESULTS, `${JSON.stringify(current, null, 2)}\n`);
  const over = overBudget(pages);
  if (over.length) console.log(`over budget: ${over.join("; ")}`);
  if (worse.length) console.log(`worse than the previous run (JavaScript > ${100 * BUDGET_SLACK.jsGzipBytes}%, times > ${100 * BUDGET_SLACK.firstFigureMs}%): ${worse.join(", ")}`);
  if ((over.length || worse.length) && args.includes("--strict")) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
