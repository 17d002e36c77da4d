/**
 * Lost GPUs on /kit: the block widget's WebGL2 context is lost (WEBGL_lose_context) or its WebGPU
 * device destroyed while the page is open. The engine must notice, re-initialise the backend once and
 * fall back down the list the next time, tell the reader (badge + note), and the widget must keep
 * drawing finite figures without leaking tensors. The page records every WebGL2 context and WebGPU
 * device it creates (an init script) so the test can take tfjs's away, as a driver reset would.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { CHROMIUM_ARGS, describeProblems, openPage, type PageProblems, useSite } from "./harness.ts";

const site = useSite();

/** Runs in the page before its scripts: keeps every WebGL2 context and WebGPU device it creates. */
function recordGpuHandles(): void {
  const page = window as unknown as { __webgl2: WebGL2RenderingContext[]; __devices: GPUDevice[] };
  page.__webgl2 = [];
  page.__devices = [];
  for (const canvas of [HTMLCanvasElement, OffscreenCanvas]) {
    const getContext = canvas.prototype.getContext as (this: unknown, kind: string, ...rest: unknown[]) => unknown;
    (canvas.prototype as unknown as { getContext: typeof getContext }).getContext = function (kind, ...rest) {
      const context = getContext.call(this, kind, ...rest);
      if (context && kind === "webgl2") page.__webgl2.push(context as WebGL2RenderingContext);
      return context;
    };
  }
  if (typeof GPUAdapter !== "undefined") {
    const requestDevice = GPUAdapter.prototype.requestDevice;
    GPUAdapter.prototype.requestDevice = async function (descriptor) {
      const device = await requestDevice.call(this, descriptor);
      page.__devices.push(device);
      return device;
    };
  }
}

/** Opens /kit on `backend` with the recorder installed; resolves once the widget has drawn on that backend. */
async function openKitOn(backend: "webgl" | "webgpu"): Promise<{ page: Page; problems: PageProblems; close(): Promise<void> }> {
  const { context, page, problems } = await openPage(site.browser, site.server.origin, `/kit?backend=${backend}`, { initScript: recordGpuHandles });
  const label = backend === "webgl" ? "WebGL2" : "WebGPU";
  await page.waitForFunction((name) => document.querySelector(".kit-widget-status")?.textContent?.startsWith(`Engine: ${name} ·`), label, { timeout: 90_000 });
  assert.equal(await page.locator("#backend-badge").textContent(), `runs on ${label}`);
  return { page, problems, close: () => context.close() };
}

/** Sets the Δ-scale number box of the widget and waits for the redraw; returns the status line. */
async function moveDeltaScale(page: Page, value: number): Promise<string> {
  const before = await page.evaluate(() => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered);
  await page.locator('[data-param="block-dscale"] input.kit-number').fill(String(value));
  await page.waitForFunction((n) => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered > n, before, { timeout: 60_000 });
  return (await page.locator(".kit-widget-status").textContent()) ?? "";
}

/** The engine's live tfjs tensors (the read-only hook of src/engine/gpu/engine.ts). */
const tensorCount = (page: Page) => page.evaluate(() => (window as unknown as { __mambaEngineStats(): { numTensors: number } }).__mambaEngineStats().numTensors);

/** The tensor count once runs in flight (their readback buffer is alive meanwhile) have finished: `expected` within 20 s, else the last count. */
async function settledTensorCount(page: Page, expected: number): Promise<number> {
  await page.waitForFunction((n) => (window as unknown as { __mambaEngineStats(): { numTensors: number } }).__mambaEngineStats().numTensors === n, expected, { timeout: 20_000 }).catch(() => {});
  return tensorCount(page);
}

/** Waits until the header's loss note names `backend` as what runs now; returns the note. */
async function noteAfterLoss(page: Page, backend: string): Promise<string> {
  await page.waitForFunction((name) => document.querySelector(".backend-loss-note")?.textContent?.endsWith(`now runs on ${name}.`), backend, { timeout: 60_000 });
  return (await page.locator(".backend-loss-note").textContent()) ?? "";
}

/** Every heatmap value the widget draws is finite (no blank figure after the loss). */
const widgetIsFinite = (page: Page) => page.evaluate(() => document.querySelectorAll(".kit-widget [data-overflow]").length === 0 && document.querySelectorAll(".kit-widget .kit-heatmap svg rect").length > 100);

test("a lost WebGL2 context is re-initialised once, then the engine falls back to the CPU, and the widget keeps working", { timeout: 110_000 }, async () => {
  const { page, problems, close } = await openKitOn("webgl");
  const tensors = await tensorCount(page);
  await page.evaluate(() => (window as unknown as { __webgl2: WebGL2RenderingContext[] }).__webgl2.forEach((gl) => gl.getExtension("WEBGL_lose_context")?.loseContext()));
  assert.match(await noteAfterLoss(page, "WebGL2"), /^WebGL2 context lost: the live model now runs on WebGL2\.$/);
  assert.equal(await page.locator("#backend-badge").getAttribute("data-lost"), "true");
  assert.match(await moveDeltaScale(page, 2), /^Engine: WebGL2 · .* WebGL2 context lost: the live model now runs on WebGL2/);
  assert.ok(await widgetIsFinite(page));
  assert.equal(await settledTensorCount(page, tensors), tensors, "the uploads on the lost context were released and made again once");

  await page.evaluate(() => (window as unknown as { __webgl2: WebGL2RenderingContext[] }).__webgl2.forEach((gl) => gl.getExtension("WEBGL_lose_context")?.loseContext()));
  await noteAfterLoss(page, "CPU (tfjs)");
  assert.equal(await page.locator("#backend-badge").textContent(), "runs on CPU (tfjs)");
  assert.match((await page.locator("#backend-badge").getAttribute("title")) ?? "", /WebGL2 context lost, switched to CPU/);
  assert.match(await moveDeltaScale(page, 3), /^Engine: CPU \(tfjs\) · /);
  assert.ok(await widgetIsFinite(page));
  assert.equal(await settledTensorCount(page, tensors), tensors);
  assert.equal(describeProblems(problems), "");
  await close();
});

test("a destroyed WebGPU device is replaced by a fresh one and the widget keeps working", { timeout: 110_000 }, async () => {
  assert.ok(CHROMIUM_ARGS.includes("--enable-unsafe-webgpu"), "the harness must give Chromium WebGPU");
  const { page, problems, close } = await openKitOn("webgpu");
  const tensors = await tensorCount(page);
  await page.evaluate(() => (window as unknown as { __devices: GPUDevice[] }).__devices.forEach((device) => device.destroy()));
  assert.match(await noteAfterLoss(page, "WebGPU"), /^WebGPU device lost \(destroyed.*\): the live model now runs on WebGPU\.$/);
  assert.match(await moveDeltaScale(page, 2), /^Engine: WebGPU · .*WebGPU device lost/);
  assert.ok(await widgetIsFinite(page));
  assert.equal(await settledTensorCount(page, tensors), tensors);
  assert.equal(describeProblems(problems), "");
  await close();
});
