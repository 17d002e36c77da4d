/**
 * Course features in real Chromium: a lesson link stepped through, an ?embed= page showing one figure
 * (and posting its height to the page that frames it), presentation mode, a print-emulated chapter,
 * exercises that pass and fail live, and the command-line export of SVG, PNG and PDF.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { encodeLesson, type Lesson } from "../../src/components/teaching/lesson-format.ts";
import { describeProblems, openPage, useSite } from "./harness.ts";

const site = useSite();

/** Ids of the figures a reader can see. */
function visibleFigures(page: Page): Promise<string[]> {
  return page.$$eval(".kit-figure", (frames) => frames.filter((frame) => (frame as HTMLElement).offsetParent !== null && frame.getBoundingClientRect().height > 0).map((frame) => frame.id));
}

/** How many elements matching `selector` a reader can see. */
function visibleCount(page: Page, selector: string): Promise<number> {
  return page.$$eval(selector, (nodes) => nodes.filter((node) => node.getClientRects().length > 0 && getComputedStyle(node).visibility !== "hidden").length);
}

describe("lessons", () => {
  const lesson: Lesson = {
    version: 1,
    title: "Stable steps",
    steps: [
      { page: "/", state: "delta=1.5", figure: "charge-and-forget", note: "Euler oscillates here." },
      { page: "/discretisation", state: "lambda=4&delta=0.49", figure: "error-vs-delta" },
      { page: "/", state: "delta=2.2" },
    ],
  };

  test("a lesson link opens its overview, and students step through with next and previous", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, `/lesson?l=${encodeLesson(lesson)}`);
    try {
      // The overview is drawn by the page's code after load.
      await page.locator(".teach-lesson-overview li").first().waitFor();
      assert.equal(await page.locator(".teach-lesson-overview li").count(), 3);
      await page.getByText("Start the lesson →").click();
      await page.waitForURL(/lesson-step=1/);
      const bar = page.locator(".teach-lesson-bar");
      await bar.getByText("Step 1 of 3").waitFor();
      assert.equal(await bar.locator(".teach-lesson-note").textContent(), "Euler oscillates here.");
      assert.equal(await page.getByLabel("Step Δ value", { exact: true }).inputValue(), "1.5");
      assert.equal(await bar.locator("[data-lesson=previous]").isDisabled(), true);

      await bar.locator("[data-lesson=next]").click();
      await page.waitForURL(/\/discretisation\?lambda=4&delta=0\.49&lesson=.*lesson-step=2#error-vs-delta/);
      await page.locator(".teach-lesson-bar").getByText("Step 2 of 3").waitFor();
      assert.equal(await page.getByLabel("Step Δ value", { exact: true }).inputValue(), "0.49");
      // The step's state also satisfies the chapter's first exercise, checked live by the page.
      await page.waitForSelector("#exercise-largest-euler-step[data-state=passed]");

      await page.locator(".teach-lesson-bar [data-lesson=next]").click();
      await page.locator(".teach-lesson-bar").getByText("Step 3 of 3").waitFor();
      assert.equal(await page.getByLabel("Step Δ value", { exact: true }).inputValue(), "2.2");
      assert.equal(await page.locator(".teach-lesson-bar [data-lesson=next]").isDisabled(), true);
      await page.locator(".teach-lesson-bar [data-lesson=previous]").click();
      await page.locator(".teach-lesson-bar").getByText("Step 2 of 3").waitFor();
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });

  test("a damaged lesson link and a bad lesson file get clear messages", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, `/lesson?l=${encodeLesson(lesson).slice(0, 30)}`);
    try {
      assert.match((await page.locator(".teach-lesson-overview .teach-error").textContent()) ?? "", /lesson link is damaged/);
      await page.locator(".teach-upload input").setInputFiles({ name: "bad.json", mimeType: "application/json", buffer: Buffer.from('{"title": "x", "steps": [{"page": "http://elsewhere"}]}') });
      await page.locator(".teach-lesson-editor .teach-status.teach-error").waitFor();
      assert.match((await page.locator(".teach-lesson-editor .teach-status").textContent()) ?? "", /bad\.json is not a lesson: step 1: "page" must be a site path/);
      await page.locator(".teach-upload input").setInputFiles({ name: "good.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(lesson)) });
      await page.getByText("Loaded “Stable steps” (3 steps)", { exact: false }).waitFor();
      assert.equal(await page.locator(".teach-lesson-edit-steps li").count(), 3);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("embedding", () => {
  test("?embed=ID shows only that figure and its controls, and posts its height to the parent", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/?embed=charge-and-forget&delta=1.5");
    try {
      await page.waitForFunction(() => document.querySelector("#charge-and-forget svg path") !== null);
      assert.deepEqual(await visibleFigures(page), ["charge-and-forget"]);
      assert.equal(await visibleCount(page, "h1, #observablehq-header, #observablehq-sidebar, .chapter-list"), 0);
      assert.equal(await visibleCount(page, ".kit-control"), 2);
      assert.equal(await page.getByLabel("Step Δ value", { exact: true }).inputValue(), "1.5");

      // Framed by another page: the frame reports the height of its content.
      await page.evaluate(() => {
        document.body.replaceChildren();
        (window as unknown as { heights: number[] }).heights = [];
        addEventListener("message", (event) => (window as unknown as { heights: number[] }).heights.push(event.data.height));
        const frame = document.createElement("iframe");
        frame.src = "/?embed=charge-and-forget";
        frame.style.cssText = "width:800px;height:200px";
        document.body.append(frame);
      });
      await page.waitForFunction(() => (window as unknown as { heights: number[] }).heights.some((height) => height > 300));
      const reported = await page.evaluate(() => Math.max(...(window as unknown as { heights: number[] }).heights));
      const inner = await page.frames()[1].evaluate(() => document.documentElement.getBoundingClientRect().height);
      assert.ok(Math.abs(reported - inner) <= 2, `reported ${reported} px, content ${inner} px`);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });

  test("an unknown figure id gets a clear message; the export menu gives the embed code and BibTeX", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/?embed=no-such-figure");
    try {
      const notice = page.locator(".teach-embed-notice[data-error=unknown-figure]");
      await notice.waitFor({ timeout: 30_000 });
      // The home page's model panel adds its figures after the first one; the notice may come before them.
      assert.match((await notice.textContent()) ?? "", /^This page has no figure “no-such-figure”\. Its figures are: charge-and-forget(, home-(surprise|next|delta|a|b|c))*\.$/);
      assert.deepEqual(await visibleFigures(page), []);

      await page.goto(`${site.server.origin}/?delta=0.7`);
      await page.locator("#charge-and-forget .kit-export summary").click();
      await page.locator("#charge-and-forget [data-export=embed]").click();
      const code = await page.locator("#charge-and-forget .teach-export-text").inputValue();
      assert.match(code, new RegExp(`^<iframe src="${site.server.origin}/\\?delta=0\\.7&amp;embed=charge-and-forget" title="Figure 1\\. A pulse`));
      await page.locator("#charge-and-forget [data-export=cite]").click();
      const bib = await page.locator("#charge-and-forget .teach-export-text").inputValue();
      assert.match(bib, /^@misc\{mamba-live-charge-and-forget,/);
      assert.ok(bib.includes(`\\url{${site.server.origin}/?delta=0.7\\#charge-and-forget}`), bib);
      assert.match(bib, /shown with delta = 0\.7/);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("citing a page", () => {
  test("the page's BibTeX box stays hidden until “Cite this page” is clicked", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/?delta=0.7");
    try {
      const box = page.locator(".teach-page-tools .teach-export-text");
      await box.waitFor({ state: "attached", timeout: 30_000 });
      assert.equal(await box.isVisible(), false, "an empty BibTeX box shows before the button is clicked");
      await page.getByRole("button", { name: "Cite this page" }).click();
      await box.waitFor({ state: "visible" });
      assert.match(await box.inputValue(), /^@misc\{mamba-live-.*shown with delta = 0\.7/s);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("presentation and print", () => {
  test("?present shows one figure at a time and the keyboard moves between them", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/discretisation?present");
    try {
      await page.waitForFunction(() => document.querySelectorAll(".kit-figure").length >= 4, undefined, { timeout: 60_000 });
      await page.locator(".teach-present-counter").filter({ hasText: /^1 \// }).waitFor();
      assert.deepEqual(await visibleFigures(page), ["discretisation-overlay"]);
      assert.ok((await visibleCount(page, ".kit-control")) >= 2, "the first figure's controls are shown");
      assert.equal(await visibleCount(page, "h1, #observablehq-sidebar"), 0);
      await page.locator("body").press("ArrowRight");
      assert.deepEqual(await visibleFigures(page), ["error-vs-delta"]);
      await page.locator("body").press("PageDown");
      assert.deepEqual(await visibleFigures(page), ["stability-map"]);
      assert.match(page.url(), /present=3/);
      await page.locator("body").press("PageUp");
      assert.deepEqual(await visibleFigures(page), ["error-vs-delta"]);
      const fontSize = await page.$eval("#observablehq-main", (main) => parseFloat(getComputedStyle(main).fontSize));
      assert.ok(fontSize >= 20, `large type, got ${fontSize}px`);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });

  test("a printed chapter hides controls and keeps figures, equations and each figure's live URL", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/discretisation?lambda=2");
    try {
      // Four figures draw without the live block (the fifth waits for the GPU engine, slow in software).
      await page.waitForFunction(() => document.querySelectorAll(".kit-figure .teach-print-url").length >= 4, undefined, { timeout: 120_000 });
      assert.equal(await visibleCount(page, ".teach-print-url"), 0, "URLs only appear on paper");
      await page.emulateMedia({ media: "print" });
      assert.equal(await visibleCount(page, ".kit-control"), 0);
      assert.equal(await visibleCount(page, ".kit-export, #observablehq-sidebar, .teach-page-tools"), 0);
      assert.ok((await visibleCount(page, ".katex")) > 5, "equations are printed");
      const figures = await visibleFigures(page);
      assert.ok(figures.length >= 4, `figures printed: ${figures.join(", ")}`);
      for (const id of figures) {
        const url = await page.locator(`#${id} > .teach-print-url`).textContent();
        assert.equal(url, `Live version: ${site.server.origin}/discretisation?lambda=2#${id}`);
        assert.equal(await visibleCount(page, `#${id} > .teach-print-url`), 1);
      }
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("exercises", () => {
  test("an exercise passes and fails live as the controls move", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/discretisation?lambda=4&delta=0.3");
    try {
      const box = page.locator("#exercise-largest-euler-step");
      await box.waitFor();
      assert.equal(await box.getAttribute("data-state"), "open");
      const delta = page.getByLabel("Step Δ value", { exact: true });
      await delta.fill("0.49");
      await page.waitForSelector("#exercise-largest-euler-step[data-state=passed]");
      assert.match((await box.locator(".teach-exercise-verdict").textContent()) ?? "", /^✓ Done — Δ = 0\.49: \|Ā_Euler\| = 0\.96/);
      await delta.fill("0.5");
      await page.waitForSelector("#exercise-largest-euler-step[data-state=open]");
      await page.getByLabel("Decay rate λ = −a value", { exact: true }).fill("1");
      await delta.fill("1.5");
      await page.waitForSelector("#exercise-euler-oscillates[data-state=passed]");
      assert.equal(await page.locator("#exercise-largest-euler-step .teach-exercise-reveal").isVisible(), true);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("npm run export", () => {
  const out = mkdtempSync(join(tmpdir(), "teaching-export-"));
  const root = resolve(import.meta.dirname, "../..");

  /** Runs the export command on the already-built site; resolves with its exit code and output. */
  function runExport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/export.ts", ...args, "--no-build"], { cwd: root, env: process.env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("close", (code) => done({ code, stdout, stderr: stderr.replace(/^export: warning: src\/ changed.*\n/m, "") }));
    });
  }

  test("SVG that parses, PNG of the asked size, PDF", async () => {
    const state = ["--page", "index", "--figure", "charge-and-forget", "--state", "delta=1.5"];
    const svg = await runExport([...state, "--format", "svg", "--out", join(out, "f.svg")]);
    assert.equal(svg.code, 0, svg.stderr);
    const svgText = readFileSync(join(out, "f.svg"), "utf8");
    const { context, page } = await openPage(site.browser, site.server.origin, "/kit");
    let size: { width: number; height: number; errors: number; paths: number };
    try {
      size = await page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, "image/svg+xml");
        const root = doc.documentElement;
        return { width: Number(root.getAttribute("width")), height: Number(root.getAttribute("height")), errors: doc.getElementsByTagName("parsererror").length, paths: doc.getElementsByTagName("path").length };
      }, svgText);
    } finally {
      await context.close();
    }
    assert.equal(size.errors, 0, "the SVG parses as XML");
    assert.ok(size.paths >= 3 && size.width > 300 && size.height > 100, JSON.stringify(size));

    // A PNG carries the figure's numbered caption under the drawing unless --no-caption.
    const png = await runExport([...state, "--format", "png", "--scale", "2", "--out", join(out, "f.png")]);
    assert.equal(png.code, 0, png.stderr);
    const header = readFileSync(join(out, "f.png"));
    assert.deepEqual([...header.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(header.readUInt32BE(16), 2 * size.width);
    assert.ok(header.readUInt32BE(20) >= 2 * (size.height + 18), `no room for the caption: ${header.readUInt32BE(20)} px`);
    const bare = await runExport([...state, "--format", "png", "--scale", "2", "--no-caption", "--out", join(out, "bare.png")]);
    assert.equal(bare.code, 0, bare.stderr);
    const bareHeader = readFileSync(join(out, "bare.png"));
    assert.deepEqual([bareHeader.readUInt32BE(16), bareHeader.readUInt32BE(20)], [2 * size.width, 2 * size.height]);

    const pdf = await runExport([...state, "--format", "pdf", "--out", join(out, "f.pdf")]);
    assert.equal(pdf.code, 0, pdf.stderr);
    assert.equal(readFileSync(join(out, "f.pdf")).subarray(0, 5).toString("latin1"), "%PDF-");
  });

  test("an unknown page, figure or format fails with one clear line", async () => {
    const page = await runExport(["--page", "nope", "--figure", "x", "--format", "svg", "--out", join(out, "x.svg")]);
    assert.equal(page.code, 1);
    assert.match(page.stderr, /^export: no page “nope” in the built site \(pages: .*discretisation.*index.*\)\n$/);
    const format = await runExport(["--page", "index", "--figure", "x", "--format", "gif", "--out", join(out, "x.gif")]);
    assert.equal(format.code, 1);
    assert.equal(format.stderr, 'export: unknown format "gif" (use svg, png or pdf)\n');
    const figure = await runExport(["--page", "index", "--figure", "no-such-figure", "--format", "svg", "--out", join(out, "x.svg")]);
    assert.equal(figure.code, 1);
    assert.equal(figure.stderr, "export: page “index” has no figure “no-such-figure” (its figures: charge-and-forget, home-surprise, home-next, home-delta, home-a, home-b, home-c)\n");
  });
});
