/**
 * `npm run export -- --page discretisation --figure error-vs-delta --format svg|png|pdf
 *  [--state 'delta=1.5'] [--scale N] [--width PX] --out FILE` renders one figure of the built site
 * headlessly, exactly as the page draws it; `--all --out DIR` exports every figure of every page.
 * Builds the site first when dist/ ($SITE_DIST) is missing or older than src/ (unless --no-build).
 * Errors are one line on stderr ("export: …") and exit status 1.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Browser } from "playwright-core";
import { USAGE, parseExportOptions, type ExportOptions } from "./export/options.js";
import { ExportError, launch, openSitePage, renderFigure, stateNotes, waitForFigure } from "./export/render.js";
import { buildSite, builtPages, siteDist, staleReason } from "./export/site.js";
import { serveFolder } from "./local-browser.js";

const say = (line: string) => process.stderr.write(`export: ${line}\n`);

/** Writes `bytes` to `file`, creating its folder, and reports it on stdout. */
function write(file: string, bytes: Buffer, width: number, height: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  process.stdout.write(`${file} (${width}×${height})\n`);
}

/** Exports the figures `ids` (all of the page when undefined) of one page; returns how many were written. */
async function exportPage(browser: Browser, origin: string, page: string, ids: readonly string[] | undefined, options: ExportOptions, fileFor: (id: string) => string): Promise<number> {
  const opened = await openSitePage(browser, origin, page, options.state, options.width);
  try {
    const wanted = ids?.[0];
    const found = await waitForFigure(opened.page, wanted);
    const present: string[] = await opened.page.evaluate(() => window.mambaLive?.figureIds() ?? []);
    if (wanted !== undefined && !found) {
      throw new ExportError(`page “${page}” has no figure “${wanted}” (${present.length ? `its figures: ${present.join(", ")}` : "it has no figures"})`);
    }
    for (const note of await stateNotes(opened.page)) say(`warning: ${page}: ${note}`);
    for (const warning of opened.warnings) say(`warning: ${page}: ${warning}`);
    for (const id of ids ?? present) {
      const figure = await renderFigure(opened.page, id, options.format, options.scale, options.caption);
      write(fileFor(id), figure.bytes, figure.width, figure.height);
    }
    return (ids ?? present).length;
  } finally {
    await opened.close();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseExportOptions(argv);
  const dist = siteDist();
  const stale = staleReason(dist);
  if (stale && options.build) {
    say(`building the site into ${relative(process.cwd(), dist) || dist} first (${stale})…`);
    buildSite(dist);
  } else if (stale && !stale.startsWith("src/")) {
    throw new ExportError(`${stale}; build it with: npm run build (or drop --no-build)`);
  }
  const pages = builtPages(dist);
  if (options.page !== undefined && !pages.includes(options.page)) {
    throw new ExportError(`no page “${options.page}” in the built site (pages: ${pages.join(", ")})`);
  }
  if (stale && !options.build) say(`warning: ${stale}; exporting the existing build (--no-build)`);
  const server = await serveFolder(dist);
  const browser = await launch();
  try {
    if (!options.all) {
      await exportPage(browser, server.origin, options.page!, [options.figure!], options, () => options.out);
      return;
    }
    let count = 0;
    for (const page of pages) count += await exportPage(browser, server.origin, page, undefined, options, (id) => join(options.out, `${id}.${options.format}`));
    say(`${count} figures from ${pages.length} pages written to ${options.out}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

const argv = process.argv.slice(2);
if (argv.length === 0) {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 1;
} else {
  await run(argv);
}

async function run(args: readonly string[]): Promise<void> {
  try {
    await main(args);
  } catch (error) {
    // One line, never a stack trace: usage mistakes and export failures alike.
    say((error instanceof Error ? error.message : String(error)).split("\n")[0]);
    process.exitCode = 1;
  }
}
