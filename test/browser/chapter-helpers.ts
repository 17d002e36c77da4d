/** Shared steps of the chapter page tests: nudge a control and wait for a figure's drawing to change. */
import type { Page } from "playwright-core";

/** The inner SVG markup of figure `id` (its first drawing). */
export function figureSvg(page: Page, id: string): Promise<string> {
  return page.locator(`#${id} svg`).first().innerHTML();
}

/**
 * Moves the slider labelled `label` one step (right, or left when it sits at its maximum) with the
 * keyboard, as a reader would, and waits until figure `id` is redrawn differently.
 */
export async function nudgeAndExpectChange(page: Page, label: string, id: string, timeout = 30_000): Promise<void> {
  const before = await figureSvg(page, id);
  const range = page.getByLabel(label, { exact: true });
  await range.focus();
  const atMax = await range.evaluate((input: HTMLInputElement) => Number(input.value) >= Number(input.max));
  await page.keyboard.press(atMax ? "ArrowLeft" : "ArrowRight");
  await page.waitForFunction(
    ([figureId, old]) => document.querySelector(`#${figureId} svg`)?.innerHTML !== old,
    [id, before] as const,
    { timeout },
  );
}
