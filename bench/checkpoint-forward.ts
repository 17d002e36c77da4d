/**
 * Time of one forward of a whole checkpoint (embedding, every layer, norm_f and the head; src/engine/gpu/lm-forward.ts)
 * at L = 256 on each tfjs backend, in headless Chromium (SwiftShader here: compare backends within one
 * run, never with a real GPU). The engine is bundled with esbuild, so no site build is needed.
 *
 *   npx tsx bench/checkpoint-forward.ts [--model DIR] [--length 256] [--runs 5] [--backends webgpu,webgl,cpu] [--json]
 *
 * DIR holds config.json + model.safetensors (default: data/models/selective-copying-selective, or the
 * golden lm-tiny when that is absent). Prints a table; with --json the rows as JSON (for bench/run.ts,
 * which can also import `benchCheckpointForward`).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { launchChromium, openPage, serveStatic } from "../test/browser/harness.ts";
import type { ForwardTiming } from "./checkpoint-forward-page.ts";

const ROOT = resolve(import.meta.dirname, "..");

export interface ForwardRow {
  requested: string;
  backend: string;
  length: number;
  runs: number;
  medianMs: number;
  minMs: number;
  warmupMs: number;
}

export interface ForwardBenchOptions {
  modelDir: string;
  length: number;
  runs: number;
  backends: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Serves the bundled page and the checkpoint from a temporary folder and times every backend in turn. */
export async function benchCheckpointForward(options: ForwardBenchOptions): Promise<ForwardRow[]> {
  for (const file of ["config.json", "model.safetensors"]) {
    if (!existsSync(join(options.modelDir, file))) throw new Error(`${options.modelDir} has no ${file}`);
  }
  const folder = mkdtempSync(join(tmpdir(), "checkpoint-forward-"));
  const server = await serveStatic(folder);
  const browser = await launchChromium().catch(async (error) => {
    await server.close();
    throw error;
  });
  try {
    await build({ entryPoints: [join(import.meta.dirname, "checkpoint-forward-page.ts")], bundle: true, format: "esm", outfile: join(folder, "page.js"), logLevel: "warning" });
    writeFileSync(join(folder, "index.html"), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>checkpoint forward</title><script type="module" src="./page.js"></script>`);
    copyFileSync(join(options.modelDir, "config.json"), join(folder, "config.json"));
    copyFileSync(join(options.modelDir, "model.safetensors"), join(folder, "model.safetensors"));
    const rows: ForwardRow[] = [];
    for (const requested of options.backends) {
      const { page, context } = await openPage(browser, server.origin, `/index.html?backend=${requested}`);
      try {
        await page.waitForFunction(() => "benchForward" in globalThis, null, { timeout: 60_000 });
        const timing = (await page.evaluate(
          ([length, runs]) => (globalThis as unknown as { benchForward(l: number, r: number): Promise<unknown> }).benchForward(length, runs),
          [options.length, options.runs] as const,
        )) as ForwardTiming;
        rows.push({ requested, backend: timing.backend, length: options.length, runs: options.runs, medianMs: median(timing.runsMs), minMs: Math.min(...timing.runsMs), warmupMs: timing.warmupMs });
      } finally {
        await context.close();
      }
    }
    return rows;
  } finally {
    await browser.close();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

function defaultModelDir(): string {
  const trained = join(ROOT, "data/models/selective-copying-selective");
  return existsSync(join(trained, "model.safetensors")) ? trained : join(ROOT, "test/fixtures/golden/lm-tiny");
}

export function formatTable(rows: ForwardRow[], modelDir: string): string {
  const lines = [
    `One forward of ${modelDir} at L = ${rows[0]?.length}, headless Chromium (median of ${rows[0]?.runs} runs after one warm-up):`,
    "| requested | ran on | median ms | min ms | warm-up ms |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.requested} | ${r.backend} | ${r.medianMs.toFixed(1)} | ${r.minMs.toFixed(1)} | ${r.warmupMs.toFixed(1)} |`),
  ];
  return lines.join("\n");
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("checkpoint-forward.ts")) {
  const modelDir = resolve(option("model", defaultModelDir()));
  const rows = await benchCheckpointForward({
    modelDir,
    length: Number(option("length", "256")),
    runs: Number(option("runs", "5")),
    backends: option("backends", "webgpu,webgl,cpu").split(","),
  });
  console.log(process.argv.includes("--json") ? JSON.stringify(rows, null, 2) : formatTable(rows, modelDir));
}
