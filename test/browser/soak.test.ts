/**
 * A long session on the block widget (/kit): SOAK_MOVES slider moves (300 by default, the CI
 * profile; 10000 for the long local one: `SOAK_MOVES=10000 npm run test:soak`) through the real
 * range inputs (the perturbation sliders and the block's seed), each waiting for its redraw. Checked: tfjs's live tensor count is the same after
 * every tenth of the session (read through the engine's `__mambaEngineStats` hook), the JS heap after
 * a forced GC stays within a tolerance of the heap after the first tenth (warm-up), and the time per
 * update in the last tenth is not longer than in the first. SOAK_BACKEND picks the backend
 * (default webgl: the GPU path a reader gets when WebGPU is missing; webgpu, cpu, reference).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CDPSession, Page } from "playwright-core";
import { describeProblems, openPage, useSite } from "./harness.ts";
import { WIDGET_SLIDER_MOVES as SLIDERS } from "../../bench/widget-moves.ts";

const MOVES = Number(process.env.SOAK_MOVES ?? 300);
const BACKEND = process.env.SOAK_BACKEND ?? "webgl";
/** Heap growth allowed over the session after GC (issue 16's bound): a leak of 1 KiB per move over 10000 moves fails, and of 8 KiB over 300. */
const HEAP_TOLERANCE_BYTES = 2 * 1024 * 1024;
/** The last tenth's median update time may exceed the first tenth's by this factor (plus 5 ms of noise). */
const FRAME_TIME_GROWTH = 1.5;

const site = useSite();

/**
 * Moves `count` sliders starting at move `first`, in the page: sets the range input's value and
 * fires "input" as a drag does, then waits for the widget's "kit-widget-render"; returns each
 * update's time (ms from the change to the redrawn figures).
 */
function moveSliders(page: Page, first: number, count: number): Promise<number[]> {
  return page.evaluate(
    async ({ sliders, first, count }) => {
      const widget = document.querySelector(".kit-widget")!;
      const times: number[] = [];
      for (let move = first; move < first + count; move++) {
        const [param, values] = sliders[move % sliders.length];
        const range = document.querySelector<HTMLInputElement>(`[data-param="${param}"] input[type=range]`)!;
        const drawn = new Promise<number>((done) => widget.addEventListener("kit-widget-render", (event) => done((event as CustomEvent<{ ms: number }>).detail.ms), { once: true }));
        range.value = String(values[Math.floor(move / sliders.length) % values.length]);
        range.dispatchEvent(new Event("input", { bubbles: true }));
        times.push(await drawn);
      }
      return times;
    },
    { sliders: SLIDERS, first, count },
  );
}

/** Bytes of JS heap in use after a full garbage collection (CDP). */
async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("HeapProfiler.collectGarbage");
  return (await cdp.send("Runtime.getHeapUsage")).usedSize;
}

const tensorCount = (page: Page) => page.evaluate(() => (window as unknown as { __mambaEngineStats(): { numTensors: number } }).__mambaEngineStats().numTensors);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

test(`${MOVES} slider moves on the block widget (${BACKEND}) leak no tensors or heap and do not slow down`, { timeout: 120_000 + MOVES * 1_500 }, async () => {
  const { page, problems, context } = await openPage(site.browser, site.server.origin, `/kit?backend=${BACKEND}`);
  const label = { webgl: "WebGL2", webgpu: "WebGPU", cpu: "CPU (tfjs)", reference: "float64 reference" }[BACKEND] ?? BACKEND;
  await page.waitForFunction((name) => document.querySelector(".kit-widget-status")?.textContent?.startsWith(`Engine: ${name} ·`), label, { timeout: 90_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send("HeapProfiler.enable");
  const tenth = Math.max(1, Math.floor(MOVES / 10));
  const times: number[] = [];
  const tensors: number[] = [];
  let heapAfterWarmUp = 0;
  let heapNow = 0;
  for (let first = 0; first < MOVES; first += tenth) {
    times.push(...(await moveSliders(page, first, Math.min(tenth, MOVES - first))));
    tensors.push(BACKEND === "reference" ? 0 : await tensorCount(page));
    heapNow = await heapAfterGc(cdp);
    if (first === 0) heapAfterWarmUp = heapNow;
  }
  const [early, late] = [median(times.slice(0, tenth)), median(times.slice(-tenth))];
  const report = `moves ${times.length}, tensors per tenth ${tensors.join(",")}, heap after GC ${(heapAfterWarmUp / 2 ** 20).toFixed(2)} → ${(heapNow / 2 ** 20).toFixed(2)} MiB, median update ${early.toFixed(1)} → ${late.toFixed(1)} ms`;
  console.log(`soak: ${report}`);
  assert.equal(times.length, MOVES, "every move redrew the widget");
  assert.ok(tensors.every((count) => count === tensors[0]), `tfjs tensors changed: ${report}`);
  assert.ok(heapNow - heapAfterWarmUp <= HEAP_TOLERANCE_BYTES, `heap grew by more than ${HEAP_TOLERANCE_BYTES} bytes: ${report}`);
  assert.ok(late <= early * FRAME_TIME_GROWTH + 5, `updates slowed down: ${report}`);
  assert.equal(describeProblems(problems), "");
  await context.close();
});
