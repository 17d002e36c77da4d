/**
 * The built site the export reads: where it is (SITE_DIST, as observablehq.config.ts), building it
 * when it is missing or older than the sources, and its pages.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

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
