/**
 * Shared harness for browser tests: serves the built site from dist/ on 127.0.0.1 and drives Debian's
 * Chromium through playwright-core, recording everything that would make a page "not clean".
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, serveFolder, type StaticServer } from "../../src/cli/local-browser.ts";

export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium, type StaticServer } from "../../src/cli/local-browser.ts";

/** The built site; SITE_DIST (as in observablehq.config.ts) points the tests at another build. */
export const DIST = resolve(import.meta.dirname, "../..", process.env.SITE_DIST ?? "dist");

/** Fails with the command to run when the site has not been built. */
export function requireBuiltSite(): void {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`${DIST} has no built site. Build it with: npm run build`);
  }
}

/** Serves `root` (default: the built site, which must exist) on an ephemeral port of 127.0.0.1. */
export async function serveStatic(root = DIST): Promise<StaticServer> {
  if (root === DIST) requireBuiltSite();
  return serveFolder(root);
}

/** A test file's server and browser, set by the hooks of useSite. */
export interface Site {
  server: StaticServer;
  browser: Browser;
  /**
   * Settles once both are up. Node 20 runs a file's top-level `before` hooks at once, not one after
   * another, so a file's own `before` that needs the site awaits this first.
   */
  ready: Promise<void>;
}

/**
 * The setup of a browser test file: before its tests, serves the built site (or the folder that
 * `root()` makes) and launches Chromium; after them, closes both, which closes every page. The
 * fields are set once `ready` has settled.
 */
export function useSite(root?: () => Promise<string>): Site {
  const site = {} as Site;
  let start!: () => void;
  site.ready = new Promise<void>((resolve) => (start = resolve)).then(async () => {
    site.server = await serveStatic(root ? await root() : undefined);
    site.browser = await launchChromium();
  });
  // The hook below reports a failed start; this keeps the same rejection from also being "unhandled".
  site.ready.catch(() => {});
  before(() => {
    start();
    return site.ready;
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}

/** Everything a clean page load must not produce. */
export interface PageProblems {
  consoleErrors: string[];
  /** Console warnings, kept because GPU validation errors arrive as warnings. */
  consoleWarnings: string[];
  pageErrors: string[];
  failedRequests: string[];
  offOriginRequests: string[];
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/**
 * Opens `path` on `origin` in a fresh context with the given viewport (and a script to run in the
 * page before its own), recording problems from the first request on.
 */
export async function openPage(
  browser: Browser,
  origin: string,
  path: string,
  options: { width?: number; height?: number; colorScheme?: "light" | "dark"; initScript?: () => void } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? "light",
    acceptDownloads: true,
  });
  if (options.initScript) await context.addInitScript(options.initScript);
  const page = await context.newPage();
  const problems: PageProblems = { consoleErrors: [], consoleWarnings: [], pageErrors: [], failedRequests: [], offOriginRequests: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(message.text());
    if (message.type() === "warning") problems.consoleWarnings.push(message.text());
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error.stack ?? error)));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) problems.offOriginRequests.push(url);
  });
  // Leaving a page aborts what it was still fetching (the home page loads the model after its first
  // figure): an abort of a request made before the latest main-frame navigation began is the reader's
  // doing, not a fault. The abort may be reported before that navigation's own request, so an abort is
  // kept until a later navigation excuses it; a worker's request may be seen only failing, and counts as
  // made under the navigation in progress. Every other failure is recorded.
  let navigations = 0;
  const madeDuring = new WeakMap<object, number>();
  const aborts: { text: string; madeDuring: number }[] = [];
  page.on("request", (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      navigations++;
      const excused = new Set(aborts.filter((abort) => abort.madeDuring < navigations).map((abort) => abort.text));
      problems.failedRequests = problems.failedRequests.filter((text) => !excused.has(text));
    }
    madeDuring.set(request, navigations);
  });
  page.on("requestfailed", (request) => {
    const errorText = request.failure()?.errorText;
    const text = `${request.url()} (${errorText})`;
    const made = madeDuring.get(request) ?? navigations;
    if (errorText === "net::ERR_ABORTED" && made < navigations) return;
    if (errorText === "net::ERR_ABORTED") aborts.push({ text, madeDuring: made });
    problems.failedRequests.push(text);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.failedRequests.push(`${response.url()} (HTTP ${response.status()})`);
  });
  await page.goto(origin + path, { waitUntil: "load" });
  return { context, page, problems };
}

/** Console warnings that mean a GPU command was rejected (and so silently did nothing). */
export function gpuValidationWarnings(problems: PageProblems): string[] {
  return problems.consoleWarnings.filter((text) => /WebGPU|validation|GL_INVALID|WebGL: INVALID/i.test(text));
}

/** A one-string summary of problems, empty when the page was clean; tests assert it equals "". */
export function describeProblems(problems: PageProblems): string {
  const sections: [string, string[]][] = [
    ["console errors", problems.consoleErrors],
    ["page errors", problems.pageErrors],
    ["failed requests", problems.failedRequests],
    ["requests to another origin", problems.offOriginRequests],
    ["GPU validation warnings", gpuValidationWarnings(problems)],
  ];
  return sections
    .filter(([, items]) => items.length > 0)
    .map(([name, items]) => `${name}:\n  ${items.join("\n  ")}`)
    .join("\n");
}
