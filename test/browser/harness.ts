/**
 * Shared harness for browser tests: serves the built site from dist/ on 127.0.0.1 and drives Debian's
 * Chromium through playwright-core, recording everything that would make a page "not clean".
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
/** The built site; SITE_DIST (as in observablehq.config.ts) points the tests at another build. */
export const DIST = resolve(import.meta.dirname, "../..", process.env.SITE_DIST ?? "dist");

/**
 * Flags that keep Chromium off the network and give it WebGL (SwiftShader) and WebGPU (SwiftShader
 * through Vulkan) in software, as PLATFORM-NOTES describes.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader",
];

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".safetensors": "application/octet-stream",
  ".csv": "text/csv",
};

/** Fails with the exact command to run when Chromium is not installed (tests never skip). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}. Install it with: sudo apt-get update && sudo apt-get install -y chromium`);
  }
}

/** Fails with the command to run when the site has not been built. */
export function requireBuiltSite(): void {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`${DIST} has no built site. Build it with: npm run build`);
  }
}

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Maps a URL path to a file in `root` the way a static host serves Framework's clean URLs. */
function fileForPath(root: string, urlPath: string): string | undefined {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^(\.\.[/\\])+/, "");
  const base = join(root, relative);
  if (!base.startsWith(root)) return undefined;
  for (const candidate of [base, `${base}.html`, join(base, "index.html")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Serves `root` (default: the built site) on an ephemeral port of 127.0.0.1. */
export async function serveStatic(root = DIST): Promise<StaticServer> {
  if (root === DIST) requireBuiltSite();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const file = fileForPath(root, url.pathname);
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Debian's Chromium, headless, with `args` (by default the software-GPU flags above). */
export async function launchChromium(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...args], headless: true });
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

/** Opens `path` on `origin` in a fresh context with the given viewport, recording problems from the first request on. */
export async function openPage(
  browser: Browser,
  origin: string,
  path: string,
  options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? "light",
    acceptDownloads: true,
  });
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
  page.on("requestfailed", (request) => problems.failedRequests.push(`${request.url()} (${request.failure()?.errorText})`));
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
