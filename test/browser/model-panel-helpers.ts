/**
 * Shared steps of the browser tests of pages with the character model's panel (char-model/model-panel.ts):
 * find a page's panel by its name, type a text, wait for its runs, read what its figures hold; and the
 * float64 reference's run of the same text in Node, to check the page's numbers against.
 */
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { loadCharModelDirectory } from "../../src/cli/char-commands.ts";
import type { CharModel } from "../../src/engine/char-lm.ts";
import type { ModelOptions, ModelRun } from "../../src/engine/engine.ts";
import { lmForward } from "../../src/engine/model.ts";
import { readerText } from "../../src/components/char-model/reader-text.ts";

const MODELS = resolve(import.meta.dirname, "../../data/models");
export const selectiveModel: CharModel = loadCharModelDirectory(join(MODELS, "char-selective"));
export const ltiModel: CharModel = loadCharModelDirectory(join(MODELS, "char-lti"));

/** The selector of the panel named `name` (its surprise figure has id `${name}-surprise`). */
export const panelOf = (name: string) => `[data-role="model-panel"]:has(#${name}-surprise)`;

/** Completed runs of the panel. */
export function panelRuns(page: Page, name: string): Promise<number> {
  return page.locator(panelOf(name)).evaluate((node) => Number((node as HTMLElement).dataset.runs ?? 0));
}

/** Waits until the panel has completed more than `runs` runs. */
export async function nextPanelRun(page: Page, name: string, runs: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction(([selector, n]) => Number((document.querySelector(selector as string) as HTMLElement | null)?.dataset.runs ?? 0) > (n as number), [panelOf(name), runs] as const, { timeout });
}

/** Types `text` into the panel's text box and waits for the run that reads it. */
export async function typeText(page: Page, name: string, text: string): Promise<void> {
  const runs = await panelRuns(page, name);
  await page.locator(`${panelOf(name)} .kit-text input`).first().fill(text);
  await nextPanelRun(page, name, runs);
}

/** The data a chart inside figure `id` draws (the chart element's `data`). */
export function chartData<T = unknown>(page: Page, id: string): Promise<T> {
  return page.locator(`#${id} .kit-chart`).first().evaluate((node) => JSON.parse(JSON.stringify((node as unknown as { data: unknown }).data, (_key, value) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value))));
}

/** The reference's run of `text` as the panel reads it (start character first). */
export function referenceRun(model: CharModel, text: string, options: ModelOptions = {}): { ids: number[]; run: ModelRun<Float64Array> } {
  const read = readerText(model, text);
  if ("empty" in read) throw new Error("empty text");
  return { ids: read.ids, run: lmForward(model.model, [read.ids], options) };
}

/** What `__mambaReferenceCalls()` reports on the page (components/page-engine.ts). */
export function referenceCallCounts(page: Page): Promise<{ page: number; worker: number; verify: number; rules: number }> {
  return page.evaluate(() => (globalThis as unknown as { __mambaReferenceCalls(): Promise<{ page: number; worker: number; verify: number; rules: number }> }).__mambaReferenceCalls());
}
