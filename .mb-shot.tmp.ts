import { serveStatic, launchChromium, openPage, describeProblems } from "./test/browser/harness.js";
const width = Number(process.argv[2] ?? 1280);
const scheme = (process.argv[3] ?? "light") as "light" | "dark";
const query = process.argv[4] ?? "";
const server = await serveStatic();
const browser = await launchChromium();
const { page, problems, context } = await openPage(browser, server.origin, "/mamba-block" + query, { width, colorScheme: scheme });
await page.waitForSelector(".mb-explorer[data-runs]", { timeout: 60000 }).catch((e) => console.log("timeout", describeProblems(problems)));
await page.waitForTimeout(1500);
await page.screenshot({ path: `/tmp/mb-shots/page-${width}-${scheme}.png`, fullPage: true, clip: { x: 0, y: 0, width, height: 3000 } });
for (const id of (process.argv[5] ?? "").split(",").filter(Boolean)) { await page.locator(`#${id}`).evaluate((e) => e.scrollIntoView()); await page.waitForTimeout(300); await page.screenshot({ path: `/tmp/mb-shots/fig-${id}-${width}-${scheme}.png`, timeout: 10000 }).catch((e) => console.log(String(e).slice(0, 200))); }
console.log(describeProblems(problems));
console.log(await page.evaluate(() => Array.from(document.querySelectorAll(".mb-status")).map((e) => e.getAttribute("data-role") + ": " + e.textContent).join("\n")));
console.log("scrollWidth", await page.evaluate(() => document.documentElement.scrollWidth));
await context.close(); await browser.close(); await server.close();
