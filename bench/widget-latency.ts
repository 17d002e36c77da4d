/**
 * Latency of the live block widget on /kit: time from a slider change (a key press on "Scale Δ") to
 * the first frame painted after the widget redrew, at the widget's default size, per backend
 * (?backend=reference|cpu|webgl|webgpu). Needs a built site (npm run build) and /usr/bin/chromium.
 *
 *   npx tsx bench/widget-latency.ts [--backends cpu,webgl,webgpu,reference] [--repeats 15] [--dist DIR]
 *   npx tsx bench/widget-latency.ts --against OTHER_DIST [--rounds 3] …
 *
 * Prints a table, and with --json the same rows as JSON (for bench/run.ts). With --against, the build in
 * `--dist` and another build (an earlier commit's) are timed interleaved, backend by backend and round by
 * round in one browser, and each backend's ratio of medians (this build / the other) is printed.
 */
import type { Browser } from "playwright-core";
import { DIST, launchChromium, openPage, serveStatic } from "../test/browser/harness.ts";

export interface LatencyRow {
  requested: string;
  /** The engine the widget actually ran on (a backend that fails its probe falls back). */
  engine: string;
  repeats: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** Median of a non-empty list. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One backend: waits for its engine to start, then times `repeats` key presses. */
export async function measureBackend(browser: Browser, origin: string, backend: string, repeats: number): Promise<LatencyRow> {
  const { page, context } = await openPage(browser, origin, `/kit?backend=${backend}`);
  try {
    await page.waitForFunction(
      () => {
        const status = document.querySelector(".kit-widget-status")?.textContent ?? "";
        return status.startsWith("Engine:") && !status.includes("still starting");
      },
      null,
      { timeout: 180_000 },
    );
    const engine = ((await page.locator(".kit-widget-status").textContent()) ?? "").replace(/^Engine: /, "").split(" · ")[0];
    const range = page.locator(".kit-widget .kit-slider", { hasText: "Scale Δ" }).locator("input[type=range]");
    await range.scrollIntoViewIfNeeded();
    await range.focus();
    const times: number[] = [];
    for (let i = 0; i < repeats + 1; i++) {
      // Listeners go in first (awaited), so the key press cannot overtake them.
      await page.evaluate(() => {
        const widget = document.querySelector(".kit-widget")!;
        const timing = window as unknown as { __latency: Promise<number> };
        timing.__latency = new Promise<number>((resolve) => {
          let start = 0;
          document.addEventListener("keydown", () => (start = performance.now()), { capture: true, once: true });
          widget.addEventListener(
            "kit-widget-render",
            () =>
              // The rAF callback runs before the next paint; a message posted from it arrives after that paint.
              requestAnimationFrame(() => {
                const channel = new MessageChannel();
                channel.port1.onmessage = () => resolve(performance.now() - start);
                channel.port2.postMessage(0);
              }),
            { once: true },
          );
        });
      });
      await page.keyboard.press(i % 2 ? "ArrowLeft" : "ArrowRight");
      const ms = await page.evaluate(() => (window as unknown as { __latency: Promise<number> }).__latency);
      if (i > 0) times.push(ms); // the first press warms up the perturbed path
    }
    return { requested: backend, engine, repeats, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
  } finally {
    await context.close();
  }
}

export function formatTable(rows: readonly LatencyRow[]): string {
  const header = "| requested | engine | repeats | median ms | min ms | max ms |\n|---|---|---|---|---|---|";
  const lines = rows.map((r) => `| ${r.requested} | ${r.engine} | ${r.repeats} | ${r.medianMs.toFixed(1)} | ${r.minMs.toFixed(1)} | ${r.maxMs.toFixed(1)} |`);
  return [header, ...lines].join("\n");
}

/** Runs every backend in `backends` in a fresh page of one browser, serving the built site in `dist`. */
export async function widgetLatency(backends: readonly string[], repeats: number, dist = DIST): Promise<LatencyRow[]> {
  const server = await serveStatic(dist);
  const browser = await launchChromium();
  try {
    const rows: LatencyRow[] = [];
    for (const backend of backends) rows.push(await measureBackend(browser, server.origin, backend, repeats));
    return rows;
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * `dist` against `other`, interleaved: for each round and backend, one page of each build, so drift of a
 * shared machine falls on both. Returns per backend the medians over all presses and their ratio.
 */
export async function compareBuilds(backends: readonly string[], repeats: number, rounds: number, dist: string, other: string) {
  const servers = { current: await serveStatic(dist), other: await serveStatic(other) };
  const browser = await launchChromium();
  const times: Record<string, { current: number[]; other: number[]; engine: string }> = {};
  try {
    for (let round = 0; round < rounds; round++) {
      for (const backend of backends) {
        times[backend] ??= { current: [], other: [], engine: "" };
        for (const build of round % 2 ? (["other", "current"] as const) : (["current", "other"] as const)) {
          const row = await measureBackend(browser, servers[build].origin, backend, repeats);
          times[backend][build].push(row.medianMs);
          if (build === "current") times[backend].engine = row.engine;
        }
      }
    }
  } finally {
    await browser.close();
    await Promise.all([servers.current.close(), servers.other.close()]);
  }
  return Object.entries(times).map(([backend, t]) => ({ backend, engine: t.engine, currentMs: median(t.current), otherMs: median(t.other), ratio: median(t.current) / median(t.other) }));
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes("--against")) {
  const backends = option("backends", "reference,cpu,webgl,webgpu").split(",");
  const rows = await compareBuilds(backends, Number(option("repeats", "15")), Number(option("rounds", "3")), option("dist", DIST), option("against", ""));
  console.log(`Widget latency, this build (${option("dist", DIST)}) against ${option("against", "")}, interleaved: median over rounds of each page's median`);
  console.log("| backend | engine | this build ms | other build ms | ratio |\n|---|---|---|---|---|");
  for (const row of rows) console.log(`| ${row.backend} | ${row.engine} | ${row.currentMs.toFixed(1)} | ${row.otherMs.toFixed(1)} | ${row.ratio.toFixed(3)} |`);
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const backends = option("backends", "reference,cpu,webgl,webgpu").split(",");
  const rows = await widgetLatency(backends, Number(option("repeats", "15")), option("dist", DIST));
  console.log("Widget latency: key press on “Scale Δ” → first frame painted after the redraw (default size: 10 tokens, d_model 8, 16 channels, 16 states)");
  console.log(formatTable(rows));
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
}
