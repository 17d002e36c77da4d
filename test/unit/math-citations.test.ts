/**
 * The repository carries its own account of the math: src/math.md (the /math page). Code, tests, docs
 * and pages cite its sections as `src/math.md#id` (or, in pages, links to `./math#id`); every cited id
 * must be a section of the page, and nothing may cite a file outside the repository for the math.
 *
 * The page gives each section an explicit id, `<h2 id="block">The Mamba block</h2>`, so that an anchor
 * does not change when a heading's wording does; Framework keeps those ids and links the headings.
 * Only explicit ids count here: a Markdown heading's generated slug is not a citable anchor.
 *
 * Paths into ../shared/ are allowed under ../shared/tools/ only: the GPU host's tools (gpu-browser's
 * device.sh, pack-webgpu-runner.sh) that the browser benchmark and docs/performance.md run at benchmark
 * time. They are tools that run the benchmarks, not sources of the math; anything else under
 * ../shared/ (a spec, golden files) must live in the repository instead.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(import.meta.dirname, "../..");
const MATH_PAGE = join(ROOT, "src/math.md");
/** Where citations may appear. */
const SCANNED = ["src", "test", "bench", "docs", "train", "scripts", ".ci", "README.md"];
/** Build outputs and caches inside the scanned folders (git-ignored), not sources. */
const SKIPPED_FOLDERS = new Set(["node_modules", ".observablehq", "generated", "__pycache__"]);
const TEXT_EXTENSIONS = new Set(["", ".ts", ".js", ".md", ".py", ".sh", ".css", ".json", ".txt", ".csv", ".html"]);

function* textFiles(path: string): Generator<string> {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) if (!SKIPPED_FOLDERS.has(entry)) yield* textFiles(join(path, entry));
  } else if (TEXT_EXTENSIONS.has(extname(path))) {
    yield path;
  }
}

/** The explicit heading ids of a page: `<h2 id="x">`, any heading level. */
export function headingIds(markdown: string): Set<string> {
  return new Set(Array.from(markdown.matchAll(/<h[1-6]\s[^>]*\bid="([^"]+)"/g), (match) => match[1]));
}

/**
 * The ids a text cites: `math.md#a` and `/math#a` (as in `./math#a`), and the ids that continue such a
 * citation as a list, `src/math.md#a, #b, #c`.
 */
export function citedIds(text: string): string[] {
  return Array.from(text.matchAll(/(?:math\.md|\/math)#([a-z0-9-]+)((?:,\s*#[a-z0-9-]+)*)/g), (match) => [
    match[1],
    ...Array.from(match[2].matchAll(/#([a-z0-9-]+)/g), (more) => more[1]),
  ]).flat();
}

/** The page's links to its own sections: `](#a)` and `href="#a"`. */
function ownLinks(markdown: string): string[] {
  return Array.from(markdown.matchAll(/(?:\]\(|href=")#([a-z0-9-]+)/g), (match) => match[1]);
}

/** The notes the docstrings used to cite, outside the repository: the spec and the platform notes. */
const OUTSIDE_NOTES = /MAMBA-SPEC|PLATFORM-NOTES/;
const OUTSIDE_PATH = new RegExp(String.raw`(?:\.\./|/work/)shared/(?!tools/)`);

const pageIds = headingIds(readFileSync(MATH_PAGE, "utf8"));
/** This file is left out: its examples cite made-up ids on purpose. */
const files = SCANNED.flatMap((path) => Array.from(textFiles(join(ROOT, path)))).filter((file) => file !== fileURLToPath(import.meta.url));

test("the check finds citations, list continuations and unknown ids", () => {
  const ids = headingIds(`<h2 id="block">The Mamba block</h2>\n## A Markdown heading\n<h3 class="x" id="chunked-kernel">…</h3>`);
  assert.deepEqual([...ids], ["block", "chunked-kernel"]);
  assert.deepEqual(citedIds("(src/math.md#hidden-attention, #ssd, #chunked-ssd) and [the kernel](./math#kernel)"), [
    "hidden-attention",
    "ssd",
    "chunked-ssd",
    "kernel",
  ]);
  assert.deepEqual(
    citedIds("see src/math.md#block and src/math.md#no-such-section").filter((id) => !ids.has(id)),
    ["no-such-section"],
  );
});

test("src/math.md has the sections the code cites", () => {
  assert.ok(files.length > 100, `only ${files.length} files scanned`);
  const missing = files.flatMap((file) =>
    citedIds(readFileSync(file, "utf8"))
      .filter((id) => !pageIds.has(id))
      .map((id) => `${relative(ROOT, file)} cites math.md#${id}`),
  );
  assert.deepEqual(missing, [], `src/math.md has no <h2 id="…"> (or h3) for these; its ids: ${[...pageIds].join(", ")}`);
});

test("src/math.md links only to its own sections that exist", () => {
  const broken = ownLinks(readFileSync(MATH_PAGE, "utf8")).filter((id) => !pageIds.has(id));
  assert.deepEqual(broken, []);
});

test("nothing cites the math from a file outside the repository", () => {
  const outside = files.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) => (OUTSIDE_NOTES.test(line) || OUTSIDE_PATH.test(line) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim().slice(0, 120)}`] : [])),
  );
  assert.deepEqual(outside, [], "cite src/math.md#id (or a file in the repository) instead");
});
