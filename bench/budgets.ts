/**
 * `npm run bench:budgets`: per built page, the JavaScript it loads (gzip-compressed bytes of every JS
 * response in its network log, after the network is idle), whether any of it is tfjs, and the time
 * from navigation to the first figure a reader can use (a chart's SVG drawn). Results go to
 * bench/results/budgets.json and are printed against the previous run (the committed JSON), with
 * pages that got heavier or slower than BUDGET_SLACK allows flagged. Builds are read from SITE_DIST
 * (default dist/): `SITE_DIST=dist-x npm run build && SITE_DIST=dist-x npm run bench:budgets`.
 *   --runs=N   median of N loads per page (default 3)
 *   --strict   exit 1 when a page is over its previous figure by more than BUDGET_SLACK
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { DIST, launchChromium, serveStatic } from "../test/browser/harness.js";

export interface PageBudget {
  /** gzip (level 9) bytes of every JavaScript response the page loaded. */
  jsGzipBytes: number;
  jsFiles: number;
  /** The tfjs modules among them (empty on pages that run no block). */
  tfjsModules: string[];
  /** ms from navigation start to the first drawn chart; null on a page without charts. */
  firstFigureMs: number | null;
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
export const BUDGET_SLACK = { jsGzipBytes: 0.1, firstFigureMs: 0.5 } as const;
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

/** Loads `path` once in a fresh context and measures its JavaScript and its first figure. */
export async function measurePage(browser: Browser, origin: string, path: string): Promise<PageBudget> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const bodies: Promise<{ url: string; gzip: number }>[] = [];
  page.on("response", (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!type.includes("javascript")) return;
    bodies.push(response.body().then((body) => ({ url: response.url(), gzip: gzipSync(body, { level: 9 }).length })));
  });
  await page.goto(origin + path, { waitUntil: "load" });
  const firstFigureMs = await page
    .waitForFunction(() => (document.querySelector(".kit-chart svg > *") ? performance.now() : 0), null, { timeout: 30_000, polling: 16 })
    .then((handle) => handle.jsonValue() as Promise<number>)
    .catch(() => null);
  await page.waitForLoadState("networkidle");
  const files = await Promise.all(bodies);
  await context.close();
  return {
    jsGzipBytes: files.reduce((sum, file) => sum + file.gzip, 0),
    jsFiles: files.length,
    tfjsModules: files.filter((file) => isTfjs(file.url)).map((file) => new URL(file.url).pathname),
    firstFigureMs: firstFigureMs === null ? null : Math.round(firstFigureMs),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One line per page: bytes and first-figure time, with the change against `previous`. */
function report(current: BudgetsFile, previous: BudgetsFile | undefined): string[] {
  const over: string[] = [];
  const change = (now: number | null, before: number | null | undefined, slack: number) => {
    if (now === null || before === null || before === undefined || before === 0) return "";
    const ratio = now / before - 1;
    return ` (${ratio >= 0 ? "+" : ""}${(100 * ratio).toFixed(1)}%${ratio > slack ? " OVER" : ""})`;
  };
  console.log(`page                 JS gzip (files)        tfjs  first figure`);
  for (const [path, now] of Object.entries(current.pages)) {
    const before = previous?.pages[path];
    const bytes = `${(now.jsGzipBytes / 1024).toFixed(1)} KiB${change(now.jsGzipBytes, before?.jsGzipBytes, BUDGET_SLACK.jsGzipBytes)} (${now.jsFiles})`;
    const figure = now.firstFigureMs === null ? "no figure" : `${now.firstFigureMs} ms${change(now.firstFigureMs, before?.firstFigureMs, BUDGET_SLACK.firstFigureMs)}`;
    console.log(`${path.padEnd(20)} ${bytes.padEnd(22)} ${String(now.tfjsModules.length > 0).padEnd(5)} ${figure}`);
    if (before && now.jsGzipBytes > before.jsGzipBytes * (1 + BUDGET_SLACK.jsGzipBytes)) over.push(`${path}: JavaScript`);
    if (before?.firstFigureMs && now.firstFigureMs !== null && now.firstFigureMs > before.firstFigureMs * (1 + BUDGET_SLACK.firstFigureMs)) over.push(`${path}: first figure`);
  }
  console.log(previous ? `compared with the run of ${previous.measuredAt} (${previous.device})` : "no previous run to compare with");
  return over;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Math.max(1, Number(args.find((a) => a.startsWith("--runs="))?.split("=")[1] ?? 3));
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as BudgetsFile) : undefined;
  const server = await serveStatic();
  const browser = await launchChromium();
  const pages: Record<string, PageBudget> = {};
  const device = `headless Chromium ${browser.version()}, SwiftShader (software GPU), ${cpus().length} cores`;
  try {
    for (const path of builtPages()) {
      const loads: PageBudget[] = [];
      for (let run = 0; run < runs; run++) loads.push(await measurePage(browser, server.origin, path));
      const times = loads.map((load) => load.firstFigureMs).filter((ms): ms is number => ms !== null);
      pages[path] = { ...loads[0], jsGzipBytes: median(loads.map((load) => load.jsGzipBytes)), firstFigureMs: times.length ? median(times) : null };
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const current: BudgetsFile = { measuredAt: new Date().toISOString(), device, pages };
  const over = report(current, previous);
  writeFileSync(RESULTS, `${JSON.stringify(current, null, 2)}\n`);
  if (over.length) console.log(`over budget (JavaScript > ${100 * BUDGET_SLACK.jsGzipBytes}%, first figure > ${100 * BUDGET_SLACK.firstFigureMs}% worse): ${over.join(", ")}`);
  if (over.length && args.includes("--strict")) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
