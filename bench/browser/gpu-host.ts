/**
 * The GPU host's browser benchmark (issue 21): Chromium on the real GPU (../shared/tools/gpu-browser),
 * driving bench/browser/gpu-page.ts, one fresh page per task so that a page that runs out of memory
 * costs one figure. Tasks: the adapter; the engine's WGSL scan at each shape, both layouts; the
 * character model's decode step; a larger checkpoint's forward and decoding (when --model has one);
 * WebGL2's fused scan against the naive tfjs loop. Serves --root (the page, with `repo/` and `model/`
 * links beside it; see build.ts) from 127.0.0.1 and writes $OUT/browser-bench.json after every task.
 *   "$NODE" gpu-host.mjs --root=DIR [--shapes=1x1024x256x16,...] [--runs=10] [--char-steps=200] [--decode=64]
 * Chromium comes from PLAYWRIGHT_CORE, CHROMIUM_PATH and CHROMIUM_GPU_ARGS (the gpu-browser recipe).
 */
import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { serveFolder } from "../../src/cli/static-server.js";
import { ALL_SHAPES, parseShapes, shapeLabel, type BenchShape } from "../shapes.js";

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const root = option("root")!;
const shapes: BenchShape[] = option("shapes") ? parseShapes(option("shapes")!) : [...ALL_SHAPES.slice(1), { B: 1, L: 65536, D: 1536, N: 16 }];
const runs = Number(option("runs") ?? 10);
const charSteps = Number(option("char-steps") ?? 200);
const decodeSteps = Number(option("decode") ?? 64);
const env = (name: string, fallback?: string) => process.env[name] ?? fallback ?? (() => { throw new Error(`${name} is not set (see ../shared/tools/gpu-browser/README.md)`); })();

type Gpu = Window["gpuBench"];
const results: Record<string, unknown>[] = [];
const save = () => process.env.OUT && writeFileSync(join(process.env.OUT, "browser-bench.json"), JSON.stringify(results, null, 2));

async function main(): Promise<void> {
  const { chromium } = createRequire(import.meta.url)(env("PLAYWRIGHT_CORE", "playwright-core")) as typeof import("playwright-core");
  const server = await serveFolder(root);
  const browser: Browser = await chromium.launch({ executablePath: env("CHROMIUM_PATH"), args: env("CHROMIUM_GPU_ARGS").split(" ") });
  /** Runs `task` on a fresh page for `backend`; records its answer or its failure. */
  const task = async <T>(name: string, backend: string, run: (page: import("playwright-core").Page) => Promise<T>) => {
    const page = await browser.newPage();
    const logs: string[] = [];
    page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && logs.push(m.text().slice(0, 300)));
    const started = Date.now();
    try {
      await page.goto(`${server.origin}/index.html?backend=${backend}`);
      const adapter = await page.evaluate(() => window.gpuBench.adapter());
      const result = await run(page);
      results.push({ task: name, backend, adapter, result, seconds: (Date.now() - started) / 1000, console: logs });
      console.log(`${name} [${backend}]: ${JSON.stringify(result).slice(0, 600)}`);
    } catch (error) {
      results.push({ task: name, backend, error: String(error).slice(0, 2000), console: logs });
      console.log(`${name} [${backend}]: failed: ${String(error).slice(0, 300)}`);
    }
    save();
    await page.close().catch(() => {});
  };
  await task("adapter", "webgpu", async () => null);
  for (const shape of shapes) {
    await task(`scan ${shapeLabel(shape)}`, "webgpu", (page) =>
      page.evaluate(([s, r]) => (window.gpuBench as Gpu).scan(s, ["channels-first", "tokens-first"], r, 1500, 32), [shape, runs] as const),
    );
  }
  await task("decode char-selective", "webgpu", (page) => page.evaluate(([steps]) => (window.gpuBench as Gpu).decode("repo/data/models/char-selective", 16, steps, true), [charSteps] as const));
  if (existsSync(join(root, "model", "model.safetensors"))) {
    await task("forward model", "webgpu", (page) => page.evaluate(() => (window.gpuBench as Gpu).forward("model", "model/ids.json", "model/reference.json", 3)));
    await task("decode model", "webgpu", (page) => page.evaluate(([steps]) => (window.gpuBench as Gpu).decode("model", 16, steps, false), [decodeSteps] as const));
  }
  for (const shape of [ALL_SHAPES[0], ALL_SHAPES[1]]) {
    await task(`fused vs naive ${shapeLabel(shape)}`, "webgl", (page) => page.evaluate(([s]) => (window.gpuBench as Gpu).fusedVersusNaive(s, 5), [shape] as const));
  }
  await browser.close();
  await server.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
