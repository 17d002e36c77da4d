/**
 * `npm run bench`: times the selective scan in headless Chromium (the site's own browser setup) on
 * WebGPU, WebGL2 and the CPU backend: the fused kernel of each backend, the naive tfjs loop that a
 * direct port of mamba-minimal runs (ops per token), and the plain float32 TypeScript loop.
 *   npm run bench                       readable table, ratios against the plain and naive loops
 *   npm run bench -- --json             JSON rows {impl, backend, device, B, L, D, N, ms, maxRelErr, ...}
 *   npm run bench -- --shapes=all       all four shapes of issue 4 (default: the two smallest; see below)
 *   npm run bench -- --shapes=1x1024x256x16 --runs=10 --backends=webgpu,webgl,cpu
 * On a machine whose only GPU is software (SwiftShader), the two large shapes take minutes per run and
 * gigabytes of memory for the naive loop, so the default is the two small shapes; bench/gpu.ts times the
 * large ones on a real GPU. The naive loop is skipped above 2^23 state updates (it materialises ΔA and
 * ΔB·u, batch·length·channels·state floats each).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { launchChromium, serveStatic } from "../test/browser/harness.js";
import type { GpuBackendName as BackendName } from "../src/engine/gpu/backend.js";
import { ALL_SHAPES, parseShapes, shapeLabel, type BenchRow, type BenchShape } from "./shapes.js";

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const asJson = args.includes("--json");
const shapesOption = option("shapes");
const shapes: BenchShape[] = shapesOption === "all" ? [...ALL_SHAPES] : shapesOption ? parseShapes(shapesOption) : ALL_SHAPES.slice(0, 2);
const runs = Math.max(10, Number(option("runs") ?? 10));
const backends = (option("backends") ?? "webgpu,webgl,cpu").split(",") as BackendName[];
const NAIVE_LIMIT = 1 << 23;
const log = (text: string) => (asJson ? process.stderr : process.stdout).write(`${text}\n`);

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "mamba-bench-"));
  await build({ entryPoints: [resolve(import.meta.dirname, "page.ts")], bundle: true, format: "esm", outfile: join(folder, "bench.js"), logLevel: "warning" });
  writeFileSync(join(folder, "index.html"), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench</title><script type="module" src="./bench.js"></script>`);
  const server = await serveStatic(folder);
  const browser = await launchChromium();
  const rows: BenchRow[] = [];
  try {
    for (const [index, backend] of backends.entries()) {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/index.html?backend=${backend}`);
      const chosen = await page.evaluate(() => window.bench.ready());
      const device = `headless Chromium, ${chosen.backend === "cpu" ? "CPU" : "SwiftShader (software GPU)"}`;
      log(`${backend}: ${chosen.reason}`);
      if (chosen.backend !== backend) {
        log(`  skipped: ${backend} is not available here`);
        await page.close();
        continue;
      }
      for (const shape of shapes) {
        const impls: BenchRow["impl"][] = ["fused"];
        if (shape.B * shape.L * shape.D * shape.N <= NAIVE_LIMIT) impls.push("naive-tfjs");
        // The plain loop does not depend on the backend: time it once, on the last page.
        if (index === backends.length - 1) impls.push("plain-loop");
        log(`  ${shapeLabel(shape)}: ${impls.join(", ")} …`);
        rows.push(...(await page.evaluate(([s, r, i, d]) => window.bench.run(s, r, i, d), [shape, runs, impls, device] as const)));
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
  if (asJson) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else printTable(rows);
}

/** One line per row with the speed-ups against the plain loop and the naive loop of the same backend, same run. */
function printTable(rows: BenchRow[]): void {
  const same = (a: BenchShape, b: BenchShape) => a.B === b.B && a.L === b.L && a.D === b.D && a.N === b.N;
  const header = ["impl", "backend", "(B, L, D, N)", "ms", "compile ms", "maxRelErr", "× plain loop", "× naive (same backend)"];
  const lines = rows.map((row) => {
    const plain = rows.find((r) => r.impl === "plain-loop" && same(r, row));
    const naive = rows.find((r) => r.impl === "naive-tfjs" && r.backend === row.backend && same(r, row));
    return [
      row.impl,
      row.backend,
      shapeLabel(row),
      row.ms.toFixed(2),
      row.compileMs === undefined ? "" : row.compileMs.toFixed(0),
      row.maxRelErr === null ? "" : row.maxRelErr.toExponential(1),
      plain ? `${(plain.ms / row.ms).toFixed(2)}×` : "",
      naive && row.impl !== "naive-tfjs" ? `${(naive.ms / row.ms).toFixed(1)}×` : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => cell.padEnd(widths[i])).join("  "));
  console.log("\nSpeed-ups are ratios within this run (× = how many times faster than the reference implementation).");
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
