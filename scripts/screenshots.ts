/**
 * Screenshots of every built page for docs/screenshots/: at 1280 and 360 px, light and dark, each once
 * its model panel has read its text (pages without one: once the network is idle), the top
 * SCREENSHOT_HEIGHT px of the page (a whole chapter at 360 px is taller than Chromium captures).
 *   npm run build && npm run screenshots [-- /selectivity,/memory]
 * Files: docs/screenshots/<page>-<width>[-dark].png, <page> "home" for "/".
 */
import { join, resolve } from "node:path";
import { builtPages } from "../bench/budgets.ts";
import { describeProblems, launchChromium, openPage, serveStatic } from "../test/browser/harness.ts";

const OUT = resolve(import.meta.dirname, "../docs/screenshots");
const SCREENSHOT_HEIGHT = 3000;
/** Pages that only make sense with a URL (a lesson link): left out. */
const LEFT_OUT = new Set(["/lesson"]);

const wanted = process.argv[2]?.split(",") ?? builtPages().filter((path) => !LEFT_OUT.has(path));
const server = await serveStatic();
const browser = await launchChromium();
try {
  for (const path of wanted) {
    for (const width of [1280, 360]) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { page, problems, context } = await openPage(browser, server.origin, path, { width, colorScheme });
        await page.waitForLoadState("networkidle");
        // A model panel counts its finished runs in data-runs; the figures below it follow its first run.
        if ((await page.locator("[data-role=model-panel]").count()) > 0) {
          await page.waitForFunction(() => Number(document.querySelector("[data-role=model-panel]")?.getAttribute("data-runs") ?? 0) > 0, null, { timeout: 90_000 }).catch(() => console.log(`${path}: the model panel did not finish in 90 s`));
        }
        await page.waitForTimeout(2000);
        const height = Math.min(SCREENSHOT_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight));
        const file = join(OUT, `${path === "/" ? "home" : path.slice(1)}-${width}${colorScheme === "dark" ? "-dark" : ""}.png`);
        await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height } });
        const problemText = describeProblems(problems);
        console.log(`${file}${problemText ? `\n  ${problemText.replace(/\n/g, "\n  ")}` : ""}`);
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
