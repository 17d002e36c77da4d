/** Pure parts of the teaching features: lesson links and files, citations, embed code, CLI options, exercise checks. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bibtex, bibtexText, citationKey, embedCode } from "../../src/components/teaching/cite.ts";
import { cleanState, decodeLesson, encodeLesson, parseLessonJson, stepFromUrl, stepHref, stepIndex, validateLesson, type Lesson } from "../../src/components/teaching/lesson-format.ts";
import {
  convolutionDisagrees, eulerOscillatesButDecays, kernelRemembers, largestStableEulerStep, portraitIs, stepsCommute, zohForgets,
} from "../../src/components/teaching/exercises/checks.ts";
import { parseExportOptions } from "../../src/cli/export/options.ts";
import { join } from "node:path";
import { loadCharModelDirectory } from "../../src/cli/char-commands.ts";
import { contextIds } from "../../src/engine/char-lm.ts";
import { lmForward } from "../../src/engine/model.ts";
import { liveBlockOf } from "../../src/components/convolution-scan/lti-case.ts";
import { REPO_ROOT } from "./engine-helpers.ts";

const lesson: Lesson = {
  version: 1,
  title: "Stability — Δ and λ",
  steps: [
    { page: "/discretisation", state: "lambda=4&delta=0.49", figure: "stability-map", note: "Ā is just inside −1." },
    { page: "/", state: "" },
  ],
};

describe("lesson links and files", () => {
  test("a lesson survives the link encoding, including non-ASCII text", () => {
    const encoded = encodeLesson(lesson);
    assert.match(encoded, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeLesson(encoded), { ok: true, value: lesson });
  });

  test("a damaged link is rejected with a message, never half-read", () => {
    const encoded = encodeLesson(lesson);
    const cut = decodeLesson(encoded.slice(0, 20));
    assert.equal(cut.ok, false);
    assert.match(!cut.ok ? cut.error : "", /lesson link is damaged/);
    const bad = decodeLesson("abc$%");
    assert.equal(bad.ok, false);
  });

  test("validation names the step and the field that is wrong", () => {
    const cases: [unknown, RegExp][] = [
      [[], /JSON object/],
      [{ title: "", steps: [] }, /"title"/],
      [{ title: "x", steps: [] }, /at least one step/],
      [{ title: "x", steps: [{ page: "https://evil.example/", state: "" }] }, /step 1: "page" must be a site path/],
      [{ title: "x", steps: [{ page: "/a" }, { page: "/b", state: 3 }] }, /step 2: "state"/],
      [{ title: "x", steps: [{ page: "/a", figure: "Not An Id" }] }, /step 1: "figure"/],
      [{ title: "x", version: 2, steps: [{ page: "/a" }] }, /version 2/],
    ];
    for (const [raw, message] of cases) {
      const result = validateLesson(raw);
      assert.equal(result.ok, false, JSON.stringify(raw));
      assert.match(!result.ok ? result.error : "", message);
    }
    const json = parseLessonJson("{not json");
    assert.equal(json.ok, false);
    assert.match(!json.ok ? json.error : "", /Not valid JSON/);
  });

  test("teaching parameters never become part of a step's state", () => {
    assert.equal(cleanState("?delta=1&lesson=abc&lesson-step=2&present=3&embed=x&a=2"), "delta=1&a=2");
    const checked = validateLesson({ title: "t", steps: [{ page: "/kit", state: "?delta=1&present" }] });
    assert.deepEqual(checked.ok && checked.value.steps[0], { page: "/kit", state: "delta=1" });
  });

  test("step links carry the state, the lesson, the step number and the figure", () => {
    const href = stepHref(lesson.steps[0], "ENC", 0);
    assert.equal(href, "./discretisation?lambda=4&delta=0.49&lesson=ENC&lesson-step=1#stability-map");
    assert.equal(stepHref(lesson.steps[1], "ENC", 1), "./?lesson=ENC&lesson-step=2");
    assert.equal(stepIndex("2", 2), 1);
    assert.equal(stepIndex("99", 2), 1);
    assert.equal(stepIndex("nonsense", 2), 0);
    assert.equal(stepIndex(null, 2), 0);
  });

  test("a pasted URL becomes a step", () => {
    const step = stepFromUrl(new URL("http://127.0.0.1:3000/continuous?a11=0.3&lesson=x#phase-portrait"));
    assert.deepEqual(step, { ok: true, value: { page: "/continuous", state: "a11=0.3", figure: "phase-portrait" } });
    assert.deepEqual(stepFromUrl(new URL("http://h/index.html")), { ok: true, value: { page: "/", state: "" } });
  });
});

describe("citations and embed code", () => {
  const accessed = new Date("2025-03-04T12:00:00Z");
  test("BibTeX carries the URL with its state, escaped for LaTeX", () => {
    const entry = bibtex({ pageTitle: "2. Discretisation: Euler vs zero-order hold", figure: { id: "error-vs-delta", number: 2 }, url: "https://site/discretisation?delta=1.5&x=50%25#error-vs-delta", state: { delta: "1.5" }, accessed });
    assert.match(entry, /^@misc\{mamba-live-error-vs-delta,\n/);
    assert.match(entry, /title\s+= \{\{Figure 2 \(error-vs-delta\) of 2\. Discretisation: Euler vs zero-order hold\}\}/);
    assert.match(entry, /howpublished = \{\\url\{https:\/\/site\/discretisation\?delta=1\.5&x=50\\%25\\#error-vs-delta\}\}/);
    assert.match(entry, /year\s+= \{2025\}/);
    assert.match(entry, /shown with delta = 1\.5\. Accessed 2025-03-04/);
    // Balanced braces: BibTeX rejects the entry otherwise.
    const unescaped = entry.replace(/\\[{}%#]/g, "");
    assert.equal((unescaped.match(/\{/g) ?? []).length, (unescaped.match(/\}/g) ?? []).length);
  });

  test("special characters are escaped and keys are slugs", () => {
    assert.equal(bibtexText("50% & $x_1$ #1 {a}"), "50\\% \\& \\$x\\_1\\$ \\#1 \\{a\\}");
    assert.equal(citationKey("3. Convolution vs scan"), "mamba-live-3-convolution-vs-scan");
    const page = bibtex({ pageTitle: "Mamba, live", url: "https://site/", state: {}, accessed });
    assert.match(page, /@misc\{mamba-live-mamba-live,/);
    assert.match(page, /in its default state/);
  });

  test("embed code is an iframe with the escaped URL and a resize listener", () => {
    const code = embedCode('https://site/?delta=1&embed=charge-and-forget"><script>', 'A "pulse"', 412.3);
    assert.match(code, /^<iframe src="https:\/\/site\/\?delta=1&amp;embed=charge-and-forget&quot;&gt;&lt;script&gt;" title="A &quot;pulse&quot;" width="100%" height="413"/);
    assert.match(code, /mamba-live:embed-height/);
  });
});

describe("export command options", () => {
  test("a full single-figure request", () => {
    const options = parseExportOptions(["--page", "/discretisation", "--figure", "error-vs-delta", "--format", "png", "--state", "?delta=1.5", "--scale", "3", "--out", "f.png"]);
    assert.deepEqual(options, { page: "discretisation", figure: "error-vs-delta", all: false, format: "png", state: "delta=1.5", scale: 3, width: 1280, out: "f.png", build: true, caption: true });
    assert.equal(parseExportOptions(["--page", "/", "--figure", "a", "--out", "x.pdf", "--no-build"]).format, "pdf");
    assert.equal(parseExportOptions(["--page", "/", "--figure", "a", "--out", "x.pdf", "--no-build"]).page, "index");
    assert.equal(parseExportOptions(["--all", "--out", "figs"]).format, "svg");
    assert.equal(parseExportOptions(["--page", "/", "--figure", "a", "--out", "x.png", "--no-caption"]).caption, false);
  });

  test("mistakes are one clear sentence", () => {
    const cases: [string[], RegExp][] = [
      [["--page", "p", "--figure", "f", "--format", "gif", "--out", "x"], /unknown format "gif" \(use svg, png or pdf\)/],
      [["--page", "p", "--figure", "f", "--out", "x"], /--format is missing/],
      [["--page", "p", "--figure", "F!", "--out", "x.svg"], /not a figure id/],
      [["--page", "p", "--figure", "f", "--scale", "0", "--out", "x.png"], /--scale must be a number from 0.1 to 16/],
      [["--figure", "f", "--out", "x.svg"], /--page is missing/],
      [["--page", "p", "--figure", "f"], /--out is missing/],
      [["--all", "--page", "p", "--out", "d"], /leave out --page/],
      [["--page", "p", "--bogus", "1"], /unknown option --bogus/],
      [["--page"], /needs a value/],
    ];
    for (const [argv, message] of cases) assert.throws(() => parseExportOptions(argv), message, argv.join(" "));
  });
});

describe("exercise checks (float64 engine) and their revealed answers", () => {
  test("chapter 1: phase portraits", () => {
    assert.equal(portraitIs({ a11: 0.3, a12: -2, a21: 2, a22: 0.3 }, "unstable spiral").ok, true);
    assert.equal(portraitIs({ a11: -0.2, a12: -2, a21: 2, a22: -0.2 }, "unstable spiral").ok, false);
    assert.match(portraitIs({ a11: -0.2, a12: -2, a21: 2, a22: -0.2 }, "unstable spiral").message ?? "", /stable spiral, eigenvalues -0.2 ± 2i|stable spiral, eigenvalues −0.2 ± 2i/);
    assert.equal(portraitIs({ a11: -1, a12: 1, a21: 0, a22: -2 }, "stable node", true).ok, true);
    assert.equal(portraitIs({ a11: 1, a12: 0, a21: 0, a22: -1 }, "saddle").ok, true);
  });

  test("chapter 2: Euler's largest stable step for λ = 4 is 0.49", () => {
    assert.equal(largestStableEulerStep(4, 0.49, 4, 0.01).ok, true);
    assert.equal(largestStableEulerStep(4, 0.48, 4, 0.01).ok, false);
    assert.equal(largestStableEulerStep(4, 0.5, 4, 0.01).ok, false);
    assert.match(largestStableEulerStep(1, 0.49, 4, 0.01).message ?? "", /set λ to 4/);
    assert.equal(eulerOscillatesButDecays(1, 1.5).ok, true);
    assert.equal(eulerOscillatesButDecays(1, 0.5).ok, false);
    assert.equal(eulerOscillatesButDecays(5, 0.5).ok, false);
    assert.equal(zohForgets(10, 0.5, 0.01).ok, true);
    assert.equal(zohForgets(1, 3, 0.01).ok, false);
  });

  test("chapter 3: convolution vs scan, kernel decay, commuting steps", () => {
    // Layer 1 of the character model on chapter 3's default text, as the page reads it.
    const { model, tokenizer } = loadCharModelDirectory(join(REPO_ROOT, "data/models/char-selective"));
    const run = lmForward(model, [contextIds(tokenizer, "the rain in spain stays mainly in the plain; the rain in spain").ids]);
    const block = liveBlockOf(run.layers[0]);
    const defaults = { channel: 3, deltaScale: 20, mode: "frozen" };
    assert.equal(convolutionDisagrees(block, defaults).ok, false);
    assert.equal(convolutionDisagrees(block, { ...defaults, mode: "selective" }).ok, true);
    assert.equal(convolutionDisagrees(undefined, defaults).ok, false, "no verdict before the model has run");
    assert.equal(kernelRemembers(block, defaults, 10, 0.2).ok, false);
    assert.equal(kernelRemembers(block, { ...defaults, deltaScale: 0.05 }, 10, 0.2).ok, true);
    assert.equal(stepsCommute(0.5, 0.5, 0, 1).ok, true);
    assert.equal(stepsCommute(0.9, 1, 0.5, -0.4).ok, false);
    assert.equal(stepsCommute(0.5, 1, 0.5, 1).ok, false);
  });
});
