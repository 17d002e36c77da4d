/**
 * The built site the export reads: where it is (SITE_DIST, as observablehq.config.ts), building it
 * when it is missing or older than the sources, its pages, and a static server on 127.0.0.1 that
 * serves Framework's clean URLs (/discretisation → discretisation.html).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../../..");

/** The build folder: $SITE_DIST or dist/, relative to the repository root. */
export function siteDist(): string {
  return resolve(REPO_ROOT, process.env.SITE_DIST ?? "dist");
}

/** Newest modification time (ms) of any file under `path`. */
function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why the build in `dist` cannot be used as it is, or undefined when it is up to date. */
export function staleReason(dist: string): string | undefined {
  const index = join(dist, "index.html");
  if (!existsSync(index)) return `${dist} has no built site`;
  const sources = Math.max(newestMtime(join(REPO_ROOT, "src")), newestMtime(join(REPO_ROOT, "observablehq.config.ts")));
  return sources > statSync(index).mtimeMs ? "src/ changed since the last build" : undefined;
}

/** Runs `npm run build` into `dist`, its output on stderr (stdout stays for the export's own report). */
export function buildSite(dist: string): void {
  const result = spawnSync("npm", ["run", "build"], { cwd: REPO_ROOT, env: { ...process.env, SITE_DIST: dist }, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error(`the site build failed (npm run build exited with ${result.status ?? result.signal}); fix it or pass --no-build`);
}

/** Names of the built pages ("index", "discretisation", …), sorted. */
export function builtPages(dist: string): string[] {
  return readdirSync(dist)
    .filter((file) => file.endsWith(".html") && file !== "404.html")
    .map((file) => file.slice(0, -".html".length))
    .sort();
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".csv": "text/csv",
};

/** The file a URL path names in `root`, trying `path`, `path.html` and `path/index.html`. */
function fileFor(root: string, urlPath: string): string | undefined {
  const base = join(root, normalize(decodeURIComponent(urlPath)).replace(/^(\.\.[/\\])+/, ""));
  if (!base.startsWith(root)) return undefined;
  return [base, `${base}.html`, join(base, "index.html")].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

export interface SiteServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `root` on an ephemeral port of 127.0.0.1 (nothing leaves the machine). */
export async function serveSite(root: string): Promise<SiteServer> {
  const server = createServer((request, response) => {
    const file = fileFor(root, new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    if (!file) return void response.writeHead(404, { "content-type": "text/plain" }).end("not found");
    response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the local server got no port");
  return { origin: `http://127.0.0.1:${address.port}`, close: () => new Promise<void>((done) => server.close(() => done())) };
}
