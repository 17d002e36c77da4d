/**
 * The site itself in a real Chromium on the real GPU (issue 18; ../shared/tools/gpu-browser): serves the
 * built site from 127.0.0.1 and, per backend (?backend=webgpu, ?backend=webgl), measures
 *   - every page's time to its first figure and until it is usable (bench/budgets.ts's definitions,
 *     `recordFirstFigure`, `firstFigureMs`, `measureUsable`), median of --loads loads, with the header
 *     badge's backend (#backend-badge data-backend) and its reason;
 *   - the home page's character-model panel: a forward over a 256-character text typed into its text
 *     box (the panel's own time from its "model-panel-render" event, and input → next painted frame),
 *     after warm-up runs, each run a different text of the same length;
 *   - /kit's block widget: slider → painted frame (the "kit-widget-render" event, then the frame after
 *     it), the sliders of test/browser/soak.test.ts moved in the page, median after warm-up moves;
 *   - the panel's "Continue this text": characters per second over --chars characters.
 * Before each backend, a probe page records the WebGPU adapter (retrying requestAdapter: the first call
 * after load returns null on the GPU host) and the WebGL2 renderer, and keeps the GPU busy for 1.5 s
 * (an idle H200 drops its clocks). Writes $OUT/site-gpu.json after every step.
 * bench/browser/build-site.ts bundles this file into a run folder; see bench/browser/README.md.
 *   "$NODE" start.mjs [--dist=DIR] [--backends=webgpu,webgl] [--loads=3] [--pages=/,/kit] [--moves=30]
 *                     [--forwards=10] [--chars=400] [--deadline-s=300]
 * Chromium: CHROMIUM_PATH and CHROMIUM_GPU_ARGS when set (the GPU host), else /usr/bin/chromium with the
 * software-GPU flags of src/cli/local-browser.ts (a dry run here; figures from it are not real-GPU figures).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../src/cli/local-browser.js";
import { serveFolder } from "../../src/cli/static-server.js";
import { builtPages, firstFigureMs, measureUsable, recordFirstFigure } from "../budgets.js";
import { WIDGET_SLIDER_MOVES as SLIDERS } from "../widget-moves.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const here = import.meta.dirname;
const dist = option("dist", join(here, "dist"));
const backends = option("backends", "webgpu,webgl").split(",");
const loads = Number(option("loads", "3"));
const moves = Number(option("moves", "30"));
const forwards = Number(option("forwards", "10"));
const chars = Number(option("chars", "400"));
const deadline = Date.now() + 1000 * Number(option("deadline-s", "300"));
const pages = option("pages", "") ? option("pages", "").split(",") : builtPages(dist);
const out = process.env.OUT ?? join(here, "out");
mkdirSync(out, { recursive: true });


/** 256 characters of plain English from the panel's own vocabulary; run k starts k characters later. */
const PROSE =
  "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. It is a way I have of driving off the spleen and regulating the circulation. Whenever I find myself growing grim about the mouth; whenever it is a damp, drizzly November in my soul, I account it high time to get to sea as soon as I can.";
const text256 = (k: number) => PROSE.slice(k, k + 256);

const median = (values: number[]) => (values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] : null);
const round = (ms: number | null) => (ms === null ? null : Math.round(ms * 10) / 10);
const summary = (values: number[]) => ({ n: values.length, median: round(median(values)), min: round(values.length ? Math.min(...values) : null), max: round(values.length ? Math.max(...values) : null) });

const results: Record<string, unknown> = { measuredAt: new Date().toISOString(), options: { backends, loads, moves, forwards, chars, pages } };
const save = () => writeFileSync(join(out, "site-gpu.json"), `${JSON.stringify(results, null, 2)}\n`);
const log = (line: string) => console.log(`[site-gpu ${new Date().toISOString().slice(11, 19)}] ${line}`);
const late = () => Date.now() > deadline;

type Opened = { page: Page; close: () => Promise<void>; problems: string[] };
async function open(browser: Browser, url: string, firstFigure = false): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (firstFigure) await context.addInitScript({ content: recordFirstFigure });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => (m.type() === "error" || m.type() === "warning") && problems.length < 20 && problems.push(m.text().slice(0, 300)));
  page.on("pageerror", (e) => problems.length < 20 && problems.push(`pageerror: ${String(e).slice(0, 300)}`));
  page.on("crash", () => problems.push("page crashed"));
  await page.goto(url, { waitUntil: "commit" });
  return { page, problems, close: () => context.close().catch(() => {}) };
}

/** The badge's backend and reason, once shown (null on pages without a live engine). */
type Badge = { backend: string; text: string | null; reason: string };
async function badge(page: Page, timeout: number): Promise<Badge | null> {
  return page
    .waitForFunction(() => {
      const b = document.getElementById("backend-badge");
      return b && !b.hidden && b.dataset.backend ? { backend: b.dataset.backend, text: b.textContent, reason: b.title } : false;
    }, null, { timeout, polling: 100 })
    .then((h) => h.jsonValue() as Promise<Badge>)
    .catch(() => null);
}

/** The adapter and renderer of this browser, and 1.5 s of GPU work to raise the clocks. */
async function probeAndWarm(browser: Browser, origin: string, busyMs: number) {
  const { page, close } = await open(browser, `${origin}/404.html`);
  await page.waitForLoadState("load");
  const info = await page.evaluate(async (busy) => {
    // Plain JavaScript types inside: this runs in the page.
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<any> } }).gpu;
    let adapter: any = null;
    let attempts = 0;
    for (; attempts < 6 && !adapter && gpu; attempts++) {
      adapter = await gpu.requestAdapter();
      if (!adapter) await new Promise((r) => setTimeout(r, 1000));
    }
    const i = adapter?.info;
    const webgpu = i ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter ?? null, attempts } : { attempts };
    const gl = document.createElement("canvas").getContext("webgl2");
    const ext = gl?.getExtension("WEBGL_debug_renderer_info");
    const webgl = gl ? { renderer: String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)), vendor: String(gl.getParameter(ext ? ext.UNMASKED_VENDOR_WEBGL : gl.VENDOR)), version: String(gl.getParameter(gl.VERSION)) } : null;
    let warmed = 0;
    if (adapter && busy > 0) {
      const device = await adapter.requestDevice();
      const n = 1 << 22;
      const buffer = device.createBuffer({ size: 4 * n, usage: 0x80 /* STORAGE */ });
      const module = device.createShaderModule({ code: `@group(0) @binding(0) var<storage, read_write> v: array<f32>;
        @compute @workgroup_size(256) fn main(@builtin(global_invocation_id) g: vec3u) {
          var x = v[g.x]; for (var k = 0u; k < 256u; k++) { x = fma(x, 0.999, 0.001); } v[g.x] = x; }` });
      const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
      const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
      const start = performance.now();
      while (performance.now() - start < busy) {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        for (let r = 0; r < 20; r++) pass.dispatchWorkgroups(n / 256);
        pass.end();
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        warmed++;
      }
      buffer.destroy();
      device.destroy();
    }
    return { webgpu, webgl, userAgent: navigator.userAgent, warmSubmits: warmed };
  }, busyMs);
  await close();
  return info;
}

/** First figure and usable of `path` on `backend`, one load in a fresh context. */
async function loadPage(browser: Browser, origin: string, path: string, backend: string, withBadge: boolean) {
  const { page, close, problems } = await open(browser, `${origin}${path}?backend=${backend}`, true);
  try {
    // 10 s, not budgets.ts's 30: some pages have no figure (or no slider that redraws one) at all.
    const first = await firstFigureMs(page, 10_000);
    const usable = first === null ? null : await measureUsable(page, 10_000);
    const shown = withBadge ? await badge(page, 5000) : undefined;
    return { firstFigureMs: round(first), usableMs: round(usable), badge: shown, problems };
  } finally {
    await close();
  }
}

/** The home page's panel: forwards over 256 characters, then generation. */
async function panel(browser: Browser, origin: string, backend: string) {
  const { page, close, problems } = await open(browser, `${origin}/?backend=${backend}`);
  try {
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("[data-role=model-panel]")?.dataset.runs ?? 0) >= 1, null, { timeout: 60_000 });
    const shown = await badge(page, 5000);
    const status = await page.locator("[data-role=model-status]").textContent();
    const verified = () =>
      page.waitForFunction(() => !(document.querySelector("[data-role=verification]")?.textContent ?? "").startsWith("Checking"), null, { timeout: 30_000 }).catch(() => null);
    const runs: { panelMs: number; toEventMs: number; toPaintMs: number; verification: string | null }[] = [];
    const warmUp = 3;
    for (let k = 0; k < warmUp + forwards && !late(); k++) {
      await verified();
      const run = await page.evaluate(async (text) => {
        const root = document.querySelector<HTMLElement>("[data-role=model-panel]")!;
        const input = root.querySelector<HTMLInputElement>(".kit-text input")!;
        const start = performance.now();
        const result = new Promise<{ panelMs: number; toEventMs: number; toPaintMs: number }>((resolve) =>
          root.addEventListener(
            "model-panel-render",
            (event) => {
              const at = performance.now();
              requestAnimationFrame(() => {
                const channel = new MessageChannel();
                channel.port1.onmessage = () => resolve({ panelMs: (event as CustomEvent<{ ms: number }>).detail.ms, toEventMs: at - start, toPaintMs: performance.now() - start });
                channel.port2.postMessage(0);
              });
            },
            { once: true },
          ),
        );
        input.value = text;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        return result;
      }, text256(k));
      await verified();
      const verification = await page.locator("[data-role=verification]").textContent();
      runs.push({ ...run, verification: verification?.match(/difference ([^ ]+)/)?.[1] ?? verification?.slice(0, 80) ?? null });
    }
    const timed = runs.slice(warmUp);
    const statusAfter = await page.locator("[data-role=model-status]").textContent();
    const forward = {
      characters: 256,
      status: statusAfter,
      panelMs: summary(timed.map((r) => r.panelMs)),
      toPaintMs: summary(timed.map((r) => r.toPaintMs)),
      runs,
    };
    log(`panel ${backend}: forward 256 chars median ${forward.panelMs.median} ms (to paint ${forward.toPaintMs.median} ms); ${statusAfter}`);
    // Generation: the panel's length slider to `chars`, then "Continue this text" until it reports done.
    let generation: Record<string, unknown> | null = null;
    if (!late()) {
      generation = await page.evaluate(async (count) => {
        const root = document.querySelector<HTMLElement>("[data-role=model-panel]")!;
        const length = root.querySelector<HTMLInputElement>('[data-param="home-chars"] input[type=range]');
        if (length) {
          length.value = String(count);
          length.dispatchEvent(new Event("input", { bubbles: true }));
        }
        const button = root.querySelector<HTMLButtonElement>("button.kit-generate")!;
        const start = performance.now();
        let firstAt = 0;
        const output = root.querySelector("[data-role=continuation]")!;
        const watcher = new MutationObserver(() => {
          if (!firstAt && output.textContent) firstAt = performance.now();
        });
        watcher.observe(output, { childList: true, characterData: true, subtree: true });
        const done = new Promise<string>((resolve) => root.addEventListener("model-panel-generated", (event) => resolve((event as CustomEvent<{ text: string }>).detail.text), { once: true }));
        button.click();
        const text = await done;
        const ms = performance.now() - start;
        watcher.disconnect();
        return {
          requested: length ? Number(length.value) : null,
          characters: [...text].length,
          ms,
          firstCharacterMs: firstAt - start,
          charactersPerSecond: ([...text].length / ms) * 1000,
          afterFirstPerSecond: (([...text].length - 1) / (ms - (firstAt - start))) * 1000,
          status: root.querySelector("[data-role=continuation-status]")?.textContent ?? null,
          sample: text.slice(0, 80),
        };
      }, chars);
      log(`panel ${backend}: generation ${JSON.stringify(generation).slice(0, 300)}`);
    }
    return { badge: shown, firstStatus: status, forward, generation, problems };
  } finally {
    await close();
  }
}

/** /kit's block widget: `moves` slider moves after `warmUp` ones, each to the frame painted after the redraw. */
async function slider(browser: Browser, origin: string, backend: string, warmUp = 10) {
  const { page, close, problems } = await open(browser, `${origin}/kit?backend=${backend}`);
  try {
    await page.waitForFunction(() => (document.querySelector(".kit-widget .kit-widget-status")?.textContent ?? "").startsWith("Engine:"), null, { timeout: 60_000 });
    const shown = await badge(page, 5000);
    const status = await page.locator(".kit-widget .kit-widget-status").first().textContent();
    const times = await page.evaluate(
      async ({ sliders, count }) => {
        const widget = document.querySelector(".kit-widget")!;
        const rows: { param: string; widgetMs: number; toPaintMs: number }[] = [];
        for (let move = 0; move < count; move++) {
          const [param, values] = sliders[move % sliders.length];
          const range = document.querySelector<HTMLInputElement>(`[data-param="${param}"] input[type=range]`)!;
          const start = performance.now();
          const drawn = new Promise<{ widgetMs: number; toPaintMs: number }>((resolve) =>
            widget.addEventListener(
              "kit-widget-render",
              (event) =>
                requestAnimationFrame(() => {
                  const channel = new MessageChannel();
                  channel.port1.onmessage = () => resolve({ widgetMs: (event as CustomEvent<{ ms: number }>).detail.ms, toPaintMs: performance.now() - start });
                  channel.port2.postMessage(0);
                }),
              { once: true },
            ),
          );
          range.value = String(values[Math.floor(move / sliders.length) % values.length]);
          range.dispatchEvent(new Event("input", { bubbles: true }));
          rows.push({ param, ...(await drawn) });
        }
        return rows;
      },
      { sliders: SLIDERS, count: warmUp + moves },
    );
    const timed = times.slice(warmUp);
    const result = {
      badge: shown,
      status,
      warmUp,
      toPaintMs: summary(timed.map((t) => t.toPaintMs)),
      widgetMs: summary(timed.map((t) => t.widgetMs)),
      withoutSeedToPaintMs: summary(timed.filter((t) => t.param !== "block-seed").map((t) => t.toPaintMs)),
      moves: times.map((t) => ({ ...t, toPaintMs: round(t.toPaintMs), widgetMs: round(t.widgetMs) })),
      statusAfter: await page.locator(".kit-widget .kit-widget-status").first().textContent(),
      problems,
    };
    log(`slider ${backend}: to paint median ${result.toPaintMs.median} ms (widget ${result.widgetMs.median} ms); ${status}`);
    return result;
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const gpuArgs = process.env.CHROMIUM_GPU_ARGS;
  const server = await serveFolder(dist);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH,
    args: gpuArgs ? gpuArgs.split(" ") : [...CHROMIUM_ARGS],
    headless: true,
  });
  results.chromium = browser.version();
  results.flags = gpuArgs ?? `local software GPU: ${CHROMIUM_ARGS.join(" ")}`;
  log(`Chromium ${browser.version()}, ${pages.length} pages, backends ${backends.join(",")}`);
  const perBackend: Record<string, Record<string, unknown>> = {};
  results.backends = perBackend;
  try {
    // The very first page of the browser, before any probe: does the site's own adapter probe get the GPU
    // (the first requestAdapter after launch returned null on the GPU host)?
    const cold = await open(browser, `${server.origin}/kit?backend=${backends[0]}`);
    results.coldStart = { url: `/kit?backend=${backends[0]}`, badge: await badge(cold.page, 30_000), problems: cold.problems };
    await cold.close();
    log(`cold start: ${JSON.stringify(results.coldStart)}`);
    // The interactive figures first (the ones that matter most if the deadline comes), then the page loads.
    for (const backend of backends) {
      const entry: Record<string, unknown> = (perBackend[backend] = {});
      entry.probe = await probeAndWarm(browser, server.origin, 1500).catch((error) => ({ error: String(error).slice(0, 500) }));
      log(`${backend}: probe ${JSON.stringify(entry.probe)}`);
      save();
      for (const [name, step] of [["panel", panel], ["slider", slider]] as const) {
        if (late()) break;
        try {
          entry[name] = await step(browser, server.origin, backend);
        } catch (error) {
          entry[name] = { error: String(error).slice(0, 1000) };
          log(`${name} ${backend}: failed: ${String(error).slice(0, 300)}`);
        }
        save();
      }
    }
    // Page loads: each page on every backend before the next page, so a deadline cuts whole pages.
    await probeAndWarm(browser, server.origin, 1000).catch(() => null);
    for (const path of pages) {
      for (const backend of backends) {
        if (late()) break;
        const table = (perBackend[backend].pages ??= {}) as Record<string, unknown>;
        const all: Awaited<ReturnType<typeof loadPage>>[] = [];
        for (let load = 0; load < loads && !late(); load++) {
          // A page that showed no figure on its first load shows none on the next: one load is enough.
          if (load > 0 && all[0].firstFigureMs === null) break;
          try {
            all.push(await loadPage(browser, server.origin, path, backend, load === 0));
          } catch (error) {
            all.push({ firstFigureMs: null, usableMs: null, badge: null, problems: [`failed: ${String(error).slice(0, 300)}`] });
          }
        }
        const known = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
        const row = {
          firstFigureMs: median(known(all.map((a) => a.firstFigureMs))),
          usableMs: median(known(all.map((a) => a.usableMs))),
          badge: all[0]?.badge ?? null,
          loads: all.map((a) => ({ firstFigureMs: a.firstFigureMs, usableMs: a.usableMs })),
          problems: [...new Set(all.flatMap((a) => a.problems))].slice(0, 10),
        };
        table[path] = row;
        log(`${backend} ${path}: first figure ${row.firstFigureMs} ms, usable ${row.usableMs} ms, badge ${row.badge?.backend ?? "—"}`);
        save();
      }
    }
  } finally {
    results.finishedAt = new Date().toISOString();
    results.deadlineReached = late();
    save();
    await browser.close().catch(() => {});
    await server.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    results.error = String(error);
    save();
    process.exit(1);
  },
);
