/**
 * The notebook kit on /kit in headless Chromium: clean load, exports in every format checked as
 * files, URL state restored / clamped / never injected, keyboard on a slider and on the block widget,
 * and no horizontal overflow at phone width.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { describeProblems, openPage, useSite } from "./harness.ts";

const site = useSite();

/** Opens /kit (the widget on the float64 reference unless `search` says otherwise) once its widget has drawn. */
async function openKit(search = "?backend=reference", options: { width?: number; colorScheme?: "light" | "dark" } = {}) {
  const opened = await openPage(site.browser, site.server.origin, `/kit${search}`, options);
  await opened.page.waitForFunction(() => (document.querySelector(".kit-widget") as unknown as { rendered: number } | null)?.rendered! > 0, null, { timeout: 30_000 });
  return opened;
}

/** Clicks an export button of a figure and returns the downloaded file's name and bytes. */
async function exportFile(page: Page, figureId: string, format: string): Promise<{ name: string; bytes: Buffer }> {
  const frame = page.locator(`#${figureId}`);
  const menu = frame.locator(".kit-export");
  if (!(await menu.evaluate((node) => (node as HTMLDetailsElement).open))) await menu.locator("summary").click();
  const [download] = await Promise.all([page.waitForEvent("download"), menu.locator(`button[data-export="${format}"]`).click()]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.equal(bytes.subarray(1, 4).toString("ascii"), "PNG", "not a PNG file");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test("/kit loads clean with the automatic backend and shows every component", async () => {
  const { page, problems, context } = await openKit("");
  for (const selector of [".kit-slider", ".kit-select", ".kit-text", ".kit-presets", ".kit-live-tex", ".kit-line-plot", ".kit-stem-plot", ".kit-heatmap", ".kit-phase-portrait", ".kit-block-diagram", ".kit-widget"]) {
    assert.ok(await page.locator(selector).count(), `missing ${selector}`);
  }
  const numbers = await page.locator(".kit-figure-number").allTextContents();
  assert.deepEqual(numbers.slice(0, 3), ["Figure 1. ", "Figure 2. ", "Figure 3. "]);
  assert.equal(describeProblems(problems), "");
  await context.close();
});

test("a figure exports valid SVG with inlined styles, PNG at 1×/2×/4×, CSV and JSON", async () => {
  const { page, problems, context } = await openKit("?backend=reference&delta=0.7");
  const svg = await exportFile(page, "kit-free-response", "svg");
  assert.equal(svg.name, "kit-free-response_delta-0.7_a-m1.svg");
  const text = svg.bytes.toString("utf8");
  const parsed = await page.evaluate((source) => {
    const doc = new DOMParser().parseFromString(source, "image/svg+xml");
    const root = doc.documentElement;
    return {
      error: doc.getElementsByTagName("parsererror").length,
      root: root.localName,
      namespace: root.namespaceURI,
      width: Number(root.getAttribute("width")),
      height: Number(root.getAttribute("height")),
      styled: doc.querySelectorAll("[style*='stroke:']").length,
      classes: doc.querySelectorAll("[class]").length,
      series: doc.querySelectorAll("path[style*='stroke-width: 2px'], path[style*='stroke-width:2px']").length,
    };
  }, text);
  assert.equal(parsed.error, 0, "the SVG does not parse as XML");
  assert.equal(parsed.root, "svg");
  assert.equal(parsed.namespace, "http://www.w3.org/2000/svg");
  assert.ok(parsed.styled > 10, "styles are not inlined");
  assert.equal(parsed.classes, 0, "the SVG still depends on the page's classes");
  assert.ok(parsed.series >= 3, "the three series lost their stroke width");
  assert.ok(!/var\(--|currentcolor/i.test(text), "the SVG still refers to CSS variables or currentColor");
  assert.match(text, /font-family:/);

  // PNGs carry the numbered caption under the drawing (the menu's checkbox is on by default)...
  const captioned: Buffer[] = [];
  for (const scale of [1, 2, 4]) {
    const png = await exportFile(page, "kit-free-response", `png-${scale}`);
    assert.equal(png.name, `kit-free-response_delta-0.7_a-m1.${scale}x.png`);
    const size = pngSize(png.bytes);
    assert.equal(size.width, Math.round(parsed.width * scale), `PNG ${scale}× width`);
    assert.ok(size.height >= Math.round((parsed.height + 18) * scale), `PNG ${scale}×: ${size.height} px leaves no room for the caption under ${parsed.height} px`);
    captioned.push(png.bytes);
  }
  const caption = await page.evaluate(() => {
    const frame = document.getElementById("kit-free-response") as HTMLElement & { standalone(options: { caption: boolean }): { text: string } };
    const doc = new DOMParser().parseFromString(frame.standalone({ caption: true }).text, "image/svg+xml");
    const lines = Array.from(doc.querySelectorAll("[data-caption] text"), (line) => line.textContent ?? "");
    return { drawn: lines.join(" "), shown: document.querySelector("#kit-free-response figcaption")?.textContent ?? "" };
  });
  assert.match(caption.drawn, /^Figure \d+\. \S/);
  assert.equal(caption.drawn.replace(/\s+/g, " "), caption.shown.replace(/\s+/g, " ").trim(), "the PNG's caption is the page's");
  // ...and unticking the checkbox leaves it out: the PNG is the SVG's size, and the rows the caption took were ink.
  await page.locator("#kit-free-response [data-export-option=caption]").uncheck();
  const bare = await exportFile(page, "kit-free-response", "png-1");
  assert.deepEqual(pngSize(bare.bytes), { width: parsed.width, height: parsed.height }, "PNG without caption");
  const ink = await page.evaluate(async ([base64, from]) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [image.width, image.height];
    const context = canvas.getContext("2d")!;
    context.drawImage(image, 0, 0);
    const band = context.getImageData(0, from, image.width, image.height - from).data;
    const [r, g, b] = context.getImageData(0, image.height - 1, 1, 1).data;
    let count = 0;
    for (let i = 0; i < band.length; i += 4) if (band[i + 3] > 200 && Math.abs(band[i] - r) + Math.abs(band[i + 1] - g) + Math.abs(band[i + 2] - b) > 120) count++;
    return count;
  }, [captioned[0].toString("base64"), parsed.height] as const);
  assert.ok(ink > 200, `only ${ink} dark pixels where the caption should be`);

  const csv = (await exportFile(page, "kit-free-response", "csv")).bytes.toString("utf8").split("\r\n");
  assert.equal(csv[0], "series,x,y");
  assert.equal(csv.length, 1 + 3 * 24 + 1);
  const [series, step, value] = csv[2].split(",");
  assert.deepEqual([series, step], ["euler", "1"]);
  assert.ok(Math.abs(Number(value) - 0.3) < 1e-12, `Euler |Ā| = |1 + Δa| = 0.3 at Δ = 0.7, a = −1, got ${value}`);

  const json = JSON.parse((await exportFile(page, "kit-free-response", "json")).bytes.toString("utf8"));
  assert.equal(json.figure, "kit-free-response");
  assert.deepEqual(json.params, { delta: 0.7, a: -1 });
  assert.equal(json.data.length, 72);
  assert.deepEqual(Object.keys(json.data[0]), ["series", "x", "y"]);

  await page.locator("#kit-free-response button[data-export='link']").click();
  const link = await page.locator("#kit-free-response .kit-export-link").inputValue();
  assert.equal(new URL(link).hash, "#kit-free-response");
  assert.equal(new URL(link).searchParams.get("delta"), "0.7");
  assert.equal(describeProblems(problems), "");
  await context.close();
});

test("a shared URL restores every control; moving a control rewrites the URL", async () => {
  const { page, problems, context } = await openKit("?backend=reference&delta=1.5&a=-2&scale=linear&block-dscale=3");
  const delta = page.locator(".kit-slider", { hasText: "Step Δ" });
  assert.equal(await delta.locator("input[type=number]").inputValue(), "1.5");
  assert.equal(await page.locator(".kit-slider", { hasText: "Mode a" }).locator("input[type=range]").inputValue(), "-2");
  assert.equal(await page.locator(".kit-select", { hasText: "Vertical axis" }).locator("select").inputValue(), "linear");
  // e^{1.5 · (−2)} = 0.0498 appears in the live equation.
  assert.match(await page.locator(".kit-live-tex").first().innerText(), /0\.0498/);
  assert.equal(await page.locator(".kit-slider", { hasText: "Scale Δ" }).locator("input[type=number]").inputValue(), "3");
  assert.equal(await page.locator(".kit-url-note:visible").count(), 0, "a valid URL must not produce notes");
  await delta.locator("input[type=range]").focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("delta") === "1.51");
  assert.equal(new URLSearchParams(new URL(page.url()).search).get("backend"), "reference", "other parameters are kept");
  assert.equal(describeProblems(problems), "");
  await context.close();
});

test("out-of-range and hostile URL values are clamped or ignored with a visible note, never injected", async () => {
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const search = `?backend=reference&delta=99&scale=${encodeURIComponent("<script>window.__pwned=2</script>")}&title=${encodeURIComponent(hostile)}&modes=abc`;
  const { page, problems, context } = await openKit(search);
  const delta = page.locator(".kit-slider", { hasText: "Step Δ" });
  assert.equal(await delta.locator("input[type=number]").inputValue(), "3");
  assert.match(await delta.locator(".kit-url-note").innerText(), /“99” is outside 0\.01…3; clamped to 3/);
  assert.ok(await delta.locator(".kit-url-note").isVisible());
  const scaleNote = page.locator(".kit-select", { hasText: "Vertical axis" }).locator(".kit-url-note");
  assert.match(await scaleNote.innerText(), /ignored “<script>window.__pwned=2<\/script>”/);
  assert.match(await page.locator(".kit-slider", { hasText: "State size" }).locator(".kit-url-note").innerText(), /ignored “abc” \(not a number\)/);
  assert.ok((await page.locator("#kit-heatmap figcaption").innerText()).includes(hostile), "the text is shown as text");
  assert.equal(await page.evaluate(() => document.querySelectorAll("main img").length), 0, "no element was created from the URL");
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(describeProblems(problems), "");
  await context.close();
});

test("a slider driven by the keyboard changes its figure", async () => {
  const { page, problems, context } = await openKit();
  const curve = () => page.locator("#kit-free-response path.kit-series").first().getAttribute("d");
  const before = await curve();
  const range = page.locator(".kit-slider", { hasText: "Step Δ" }).locator("input[type=range]");
  await range.focus();
  for (const key of ["ArrowRight", "ArrowRight", "PageUp"]) await page.keyboard.press(key);
  await page.waitForFunction(() => new URLSearchParams(location.search).get("delta") === "0.82");
  assert.notEqual(await curve(), before);
  await page.keyboard.press("End");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("delta") === "3");
  await page.keyboard.press("Home");
  await page.waitForFunction(() => new URLSearchParams(location.search).get("delta") === "0.01");
  await page.locator(".kit-slider", { hasText: "Step Δ" }).locator(".kit-reset").click();
  await page.waitForFunction(() => !new URLSearchParams(location.search).has("delta"));
  assert.equal(describeProblems(problems), "");
  await context.close();
});

test("the block widget, driven by the keyboard, perturbs Δ and every downstream figure follows", async () => {
  const { page, problems, context } = await openKit();
  const rendered = () => page.evaluate(() => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered);
  const fills = (id: string) => page.locator(`#${id} .kit-cells rect`).evaluateAll((rects) => rects.map((rect) => rect.getAttribute("fill")).join());
  const yOriginal = await fills("block-y-original");
  const yBefore = await fills("block-y-perturbed");
  assert.equal(yBefore, yOriginal, "without perturbation, perturbed equals original");
  const hBefore = await fills("block-h-perturbed");
  const count = await rendered();
  await page.locator(".kit-slider", { hasText: "Scale Δ" }).locator("input[type=range]").focus();
  await page.keyboard.press("PageUp"); // ×1 → ×2 on tokens 2..4
  await page.waitForFunction((n) => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered > n, count);
  assert.notEqual(await fills("block-y-perturbed"), yBefore, "y did not change");
  assert.notEqual(await fills("block-h-perturbed"), hBefore, "h did not change");
  assert.equal(await fills("block-y-original"), yOriginal, "the original must not change");
  assert.equal(await page.locator("#block-delta .kit-outline").count(), 1, "the perturbed range is outlined");
  // Zero B at token 0 by clicking its row, then reset everything.
  const countBeforeClick = await rendered();
  await page.locator("#block-b .kit-cells rect").first().click();
  await page.waitForFunction((n) => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered > n, countBeforeClick);
  assert.equal(await page.locator("#block-b .kit-outline").count(), 1);
  const countBeforeReset = await rendered();
  await page.locator(".kit-reset-perturbations").click();
  await page.waitForFunction((n) => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered > n, countBeforeReset);
  assert.equal(await fills("block-y-perturbed"), yOriginal);
  assert.equal(await page.locator("#block-b .kit-outline").count(), 0);
  // Typing tokens reruns the block.
  const countBeforeTyping = await rendered();
  await page.locator(".kit-text", { hasText: "Input tokens" }).locator("input").fill("one two three");
  await page.waitForFunction((n) => (document.querySelector(".kit-widget") as unknown as { rendered: number }).rendered > n, countBeforeTyping);
  assert.equal(await page.locator("#block-y-original .kit-cells rect").count(), 3 * 16);
  assert.equal(describeProblems(problems), "");
  await context.close();
});

test("no horizontal overflow at 360 px, light and dark", async () => {
  for (const colorScheme of ["light", "dark"] as const) {
    const { page, problems, context } = await openKit("?backend=reference", { width: 360, colorScheme });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${colorScheme}: the page scrolls sideways by ${overflow} px`);
    assert.equal(describeProblems(problems), "");
    await context.close();
  }
});
