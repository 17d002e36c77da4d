/**
 * Every built page loads cleanly in real Chromium: no console or page error, no failed request, no
 * request to another origin, math typeset by KaTeX, nothing wider than the column (at 1280 px nothing
 * scrolls sideways; at 360 px what does shows the scroll cue), and the GPU backends available in software.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { appendices, chapters } from "../../src/components/chapters.ts";
import { DIST, describeProblems, openPage, useSite } from "./harness.ts";

/** Every page the site builds: home, the chapters written so far, and the appendices (the kit gallery, the math). */
const builtPages = ["/", ...chapters.map((chapter) => chapter.path), ...appendices.map((page) => page.path)].filter((path) =>
  existsSync(join(DIST, path === "/" ? "index.html" : `${path}.html`)),
);

const site = useSite();

/** What `sidewaysLayout` finds; each entry names the element and how many px it hides or sticks out. */
interface SidewaysLayout {
  /** Equations and figures whose right edge passes the main column's, not inside a scroll box. */
  sticksOut: string[];
  /** Boxes that hide content sideways with overflow hidden or clip: no way to reach it. */
  clipped: string[];
  /** Boxes that scroll sideways, marked "[cued]" when a scroll-cue box's frame shows the hint (scroll-cue.ts). */
  scrolling: string[];
}

/**
 * An expression evaluated in the page that gives a SidewaysLayout of the main column. Plain JavaScript
 * in a string: tsx would wrap the named arrow functions of a TypeScript function in a helper the page lacks.
 */
const sidewaysLayout = `(() => {
  const main = document.getElementById("observablehq-main");
  const name = (element) => element.localName + (element.id ? "#" + element.id : "") + "." + [...element.classList].join(".") + " in #" + (element.closest("[id]")?.id ?? "");
  const shown = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden";
  const result = { sticksOut: [], clipped: [], scrolling: [] };
  const column = main.getBoundingClientRect().right;
  for (const element of main.querySelectorAll(".katex-display, .kit-live-tex, .kit-figure, .kit-figure svg")) {
    if (!shown(element) || element.closest(".kit-scroll-box, [data-scroll]")) continue;
    const right = element.getBoundingClientRect().right;
    if (right > column + 1) result.sticksOut.push(name(element) + " (" + Math.round(right - column) + " px)");
  }
  for (const element of main.querySelectorAll("*")) {
    if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) continue;
    // A box of 1 px or less is there for screen readers only (KaTeX's MathML), hidden on purpose.
    if (!(element instanceof HTMLElement) || element.clientWidth <= 1 || element.scrollWidth - element.clientWidth <= 1 || !shown(element)) continue;
    const overflowX = getComputedStyle(element).overflowX;
    if (overflowX === "visible") continue;
    const hidden = name(element) + " (" + (element.scrollWidth - element.clientWidth) + " px)";
    if (overflowX === "hidden" || overflowX === "clip") result.clipped.push(hidden);
    else {
      const hint = element.parentElement?.querySelector(":scope > .kit-scroll-hint");
      const cued = element.classList.contains("kit-scroll-box") && element.parentElement?.dataset.scroll !== undefined && hint != null && shown(hint);
      result.scrolling.push(cued ? hidden + " [cued]" : hidden);
    }
  }
  return result;
})()`;
/** Figure id → the pages that show it, collected while every page is visited. */
const figurePages = new Map<string, string[]>();

describe("every page", () => {
  for (const path of builtPages) {
    for (const width of [1280, 360]) {
      test(`${path} at ${width} px loads cleanly and renders its math`, async () => {
        const { context, page, problems } = await openPage(site.browser, site.server.origin, path, { width });
        try {
          await page.waitForSelector(".katex", { timeout: 30_000 });
          await page.waitForLoadState("networkidle");
          const katexCount = await page.locator(".katex").count();
          assert.ok(katexCount > 0, "no KaTeX element on the page");
          // KaTeX's own error span appears when a formula fails to parse.
          assert.equal(await page.locator(".katex-error").count(), 0, "a formula failed to typeset");
          if (width === 1280) {
            for (const id of await page.locator("figure[id]").evaluateAll((figures) => figures.map((figure) => figure.id))) {
              figurePages.set(id, [...(figurePages.get(id) ?? []), path]);
            }
          }
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow} px`);
          const layout = (await page.evaluate(sidewaysLayout)) as SidewaysLayout;
          assert.deepEqual(layout.sticksOut, [], "equations or figures wider than the column, outside any scroll box");
          assert.deepEqual(layout.clipped, [], "boxes that cut their content off with no way to scroll to it");
          // At 1280 px every equation and figure fits; at 360 px a box may scroll, if it says so.
          if (width === 1280) assert.deepEqual(layout.scrolling, [], "boxes that scroll sideways at 1280 px");
          else assert.deepEqual(layout.scrolling.filter((box) => !box.endsWith("[cued]")), [], "boxes that scroll sideways without the scroll cue");
          assert.equal(describeProblems(problems), "");
        } finally {
          await context.close();
        }
      });
    }
  }
});

test("figure ids are unique across the site (they name ?embed= links and exported files)", () => {
  assert.ok(figurePages.size > 0, "no figure was seen");
  const shared = [...figurePages].filter(([, pages]) => pages.length > 1).map(([id, pages]) => `${id}: ${pages.join(", ")}`);
  assert.deepEqual(shared, []);
});

describe("the home page", () => {
  test("lists every written chapter and links to it", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/");
    try {
      await page.waitForSelector("main .chapter-list a");
      for (const path of chapters.map((chapter) => chapter.path).filter((path) => builtPages.includes(path))) {
        assert.ok((await page.locator(`main a[href$="${path.slice(1)}"]`).count()) > 0, `no link to ${path}`);
      }
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });

  test("moving the slider changes the figure and the live equation", async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/");
    try {
      const figure = page.locator("#home-figure svg").first();
      await figure.waitFor();
      const equation = page.locator("#home-equation");
      const figureBefore = await figure.innerHTML();
      const equationBefore = await equation.textContent();
      const slider = page.locator("#home-figure input[type=range]").first();
      await slider.focus();
      for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
      await page.waitForFunction((before) => document.querySelector("#home-figure svg")?.innerHTML !== before, figureBefore);
      assert.notEqual(await equation.textContent(), equationBefore);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("GPU in software", () => {
  test("Chromium offers WebGPU and WebGL2, and the page reports the backend it initialised", async (t) => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/");
    try {
      const available = await page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return {
          webgpu: Boolean(gpu && (await gpu.requestAdapter())),
          webgl2: Boolean(document.createElement("canvas").getContext("webgl2")),
        };
      });
      t.diagnostic(`available: ${JSON.stringify(available)}`);
      assert.deepEqual(available, { webgpu: true, webgl2: true });
      const badge = page.locator("#backend-badge");
      await page.waitForFunction(() => {
        const element = document.querySelector("#backend-badge");
        return element !== null && !element.hasAttribute("hidden") && (element.textContent ?? "").trim() !== "";
      });
      t.diagnostic(`initialised: ${await badge.textContent()} (${await badge.getAttribute("title")})`);
      assert.equal(describeProblems(problems), "");
    } finally {
      await context.close();
    }
  });
});

describe("the Content-Security-Policy", () => {
  test("every page carries it, and the browser refuses a request to another origin", { timeout: 60_000 }, async () => {
    const { context, page, problems } = await openPage(site.browser, site.server.origin, "/");
    try {
      const blocked = await page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener("securitypolicyviolation", (event) => resolve(`${event.violatedDirective} ${event.blockedURI}`));
            const image = new Image();
            image.src = "https://example.org/tracker.png";
          }),
      );
      assert.match(blocked, /^img-src https:\/\/example\.org/);
      // Chromium still reports the request to playwright, then fails it with "csp" before it reaches the network.
      for (let tries = 0; tries < 50 && problems.failedRequests.length === 0; tries++) await page.waitForTimeout(100);
      assert.deepEqual(problems.failedRequests, ["https://example.org/tracker.png (csp)"]);
    } finally {
      await context.close();
    }
    for (const path of builtPages) {
      const html = readFileSync(join(DIST, path === "/" ? "index.html" : `${path}.html`), "utf8");
      assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'self';/, `${path} has no policy`);
    }
  });
});
