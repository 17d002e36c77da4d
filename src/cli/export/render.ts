/**
 * Renders figures headlessly in Debian's Chromium: opens the built page (with the requested URL
 * state) as a reader would, waits for the figure to be drawn and to stop changing, and asks the page
 * for the figure's standalone SVG through the same code as its Export menu (window.mambaLive).
 * PNG comes from the page's canvas at the asked scale; PDF prints that SVG on a page of its size.
 */
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_PATH, launchChromium, MISSING_CHROMIUM } from "../local-browser.js";
import type { ExportFormat } from "./options.js";

/** How long figures must stay unchanged, and how long a page may take at most. */
const SETTLE_MS = 600;
const QUIET_FIGURES_MS = 8000;
const PAGE_TIMEOUT_MS = 120_000;

export class ExportError extends Error {}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new ExportError(MISSING_CHROMIUM);
  return launchChromium();
}

export interface OpenedPage {
  page: Page;
  /** Notes the page showed about the URL state (a value clamped or ignored) and page errors. */
  warnings: string[];
  close(): Promise<void>;
}

/** Opens `origin/page?state` at `width` CSS pixels. */
export async function openSitePage(browser: Browser, origin: string, page: string, state: string, width: number): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const tab = await context.newPage();
  const warnings: string[] = [];
  tab.on("pageerror", (error) => warnings.push(`page error: ${error.message}`));
  const path = page === "index" ? "/" : `/${page}`;
  await tab.goto(`${origin}${path}${state ? `?${state}` : ""}`, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  return { page: tab, warnings, close: () => context.close() };
}

/** Ids of the figures on the page now. */
function figureIds(page: Page): Promise<string[]> {
  return page.evaluate(() => window.mambaLive?.figureIds() ?? []);
}

/**
 * Waits until `id` is on the page (true) or until the page has been quiet — network idle and no new
 * figure for a few seconds — without it (false). Figures appear as the page's cells finish.
 */
export async function waitForFigure(page: Page, id: string | undefined): Promise<boolean> {
  const start = Date.now();
  let idle = false;
  void page.waitForLoadState("networkidle", { timeout: PAGE_TIMEOUT_MS }).then(() => (idle = true), () => (idle = true));
  let last = "";
  let changed = Date.now();
  while (Date.now() - start < PAGE_TIMEOUT_MS) {
    const ids = await figureIds(page);
    if (id !== undefined && ids.includes(id)) return true;
    if (ids.join() !== last) {
      last = ids.join();
      changed = Date.now();
    }
    if (idle && Date.now() - changed > QUIET_FIGURES_MS) return id === undefined;
    await page.waitForTimeout(250);
  }
  return false;
}

/** The figure's standalone SVG once it has stopped changing (charts redraw as data arrives). */
async function settledSvg(page: Page, id: string): Promise<string> {
  let previous = "";
  const start = Date.now();
  for (;;) {
    const { svg } = await page.evaluate((figure) => window.mambaLive!.exportFigure(figure), id);
    if (svg === previous || Date.now() - start > PAGE_TIMEOUT_MS) return svg;
    previous = svg;
    await page.waitForTimeout(SETTLE_MS);
  }
}

/** The visible notes under controls saying a URL value was clamped or ignored. */
export function stateNotes(page: Page): Promise<string[]> {
  return page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>(".kit-url-note:not([hidden])"), (note) => note.textContent ?? ""));
}

export interface RenderedFigure {
  bytes: Buffer;
  width: number;
  height: number;
}

/** Exports figure `id` of the opened page as `format` (PNG at `scale`, its numbered caption under it when `caption`). */
export async function renderFigure(page: Page, id: string, format: ExportFormat, scale: number, caption: boolean): Promise<RenderedFigure> {
  const svg = await settledSvg(page, id);
  const png = format === "png" ? { scale, caption } : undefined;
  const figure = await page.evaluate(([figureId, request]) => window.mambaLive!.exportFigure(figureId, request), [id, png] as const);
  if (figure.svg !== svg) throw new ExportError(`figure “${id}” kept changing; try again`);
  if (format === "svg") return { bytes: Buffer.from(svg, "utf8"), width: figure.width, height: figure.height };
  if (format === "png") return { bytes: Buffer.from(figure.png?.base64 ?? "", "base64"), width: figure.png?.width ?? 0, height: figure.png?.height ?? 0 };
  return { bytes: await svgToPdf(page, svg, figure.width, figure.height), width: figure.width, height: figure.height };
}

/** Prints the standalone SVG on one PDF page of exactly its size (vector output, text kept as text). */
async function svgToPdf(page: Page, svg: string, width: number, height: number): Promise<Buffer> {
  const tab = await page.context().newPage();
  try {
    const body = svg.replace(/^<\?xml[^>]*>\s*/, "");
    await tab.setContent(`<!doctype html><html><head><style>@page{margin:0;size:${width}px ${height}px}html,body{margin:0;padding:0}svg{display:block}</style></head><body>${body}</body></html>`);
    return await tab.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: "1" });
  } finally {
    await tab.close();
  }
}
