import katex from "katex";
import { scrollCue } from "./scroll-cue.js";

/**
 * Typesets TeX with KaTeX and returns the element, for use in Markdown cells: ${tex`\bar A = e^{\Delta A}`}.
 * Framework's own `tex` comes from a CDN, so the site uses KaTeX from node_modules directly.
 * Interpolated values are inserted as written; pass numbers through `formatNumber` first.
 */
export function tex(strings: TemplateStringsArray, ...values: unknown[]): HTMLElement {
  return renderTex(String.raw(strings, ...values), { displayMode: false });
}

/**
 * Display-mode variant of `tex`: a centred equation on its own lines. Write `\allowbreak` (at the top
 * level, outside braces) where a line may break — before "=" or "⟹", between clauses — and the
 * equation fills as many lines as the column needs: one at 1280 px, several on a phone. A top-level
 * `\newline` always breaks.
 */
tex.block = function texBlock(strings: TemplateStringsArray, ...values: unknown[]): HTMLElement {
  return renderTex(String.raw(strings, ...values), { displayMode: true });
};

/** KaTeX's options for the site: errors shown in place of the equation, never thrown. */
export type TexOptions = Omit<katex.KatexOptions, "displayMode">;

/** Renders one TeX string; a syntax error shows KaTeX's message in place of the equation, never throws. */
export function renderTex(source: string, options: { displayMode: boolean }): HTMLElement {
  if (options.displayMode) {
    const element = document.createElement("div");
    displayTex(element, source, {});
    return element;
  }
  const element = document.createElement("span");
  katex.render(source, element, { displayMode: false, throwOnError: false, output: "htmlAndMathml" });
  return element;
}

/**
 * Splits TeX at each top-level `command` (not inside braces or an environment):
 * splitTopLevel("a = b \\allowbreak = c", "\\allowbreak") → ["a = b", "= c"].
 */
export function splitTopLevel(source: string, command: string): string[] {
  const pieces: string[] = [];
  const at = (name: string, i: number) => source.startsWith(name, i) && !/[a-zA-Z]/.test(source[i + name.length] ?? "");
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < source.length) {
    if (depth === 0 && at(command, i)) {
      pieces.push(source.slice(start, i));
      i += command.length;
      start = i;
      continue;
    }
    if (at("\\begin", i) || source[i] === "{") depth++;
    else if (at("\\end", i) || source[i] === "}") depth--;
    // A backslash escapes the next character, so \{ and \} do not count as braces.
    i += source[i] === "\\" ? 2 : 1;
  }
  pieces.push(source.slice(start));
  return pieces.map((piece) => piece.trim()).filter((piece) => piece.length > 0);
}

/**
 * A display equation's lines (split at top-level `\newline`, which always breaks) and, in each, the
 * runs between which a line may break (split at top-level `\allowbreak`).
 */
export function displayRuns(source: string): string[][] {
  return splitTopLevel(source, "\\newline").map((line) => splitTopLevel(line, "\\allowbreak"));
}

/**
 * Typesets `source` into `element` as a display equation: each piece between `\allowbreak`s is one
 * unbreakable run in display style, and the runs wrap like words, centred, balanced across lines
 * (lines split at `\newline` always break).
 * A single run wider than the column scrolls inside the element, with the scroll cue (scroll-cue.ts).
 */
export function displayTex(element: HTMLElement, source: string, options: TexOptions): void {
  let lines = element.querySelector<HTMLElement>(":scope > .kit-tex-lines");
  if (!lines) {
    element.classList.add("kit-tex-display");
    lines = document.createElement("div");
    lines.className = "kit-tex-lines";
    element.replaceChildren(lines);
    scrollCue(lines, element);
  }
  const typeset = (piece: string) => {
    const run = document.createElement("span");
    run.className = "kit-tex-run";
    katex.render(`\\displaystyle ${piece}`, run, { throwOnError: false, output: "htmlAndMathml", ...options, displayMode: false });
    return run;
  };
  // Spaces between runs are where lines may break; <br> where they must.
  const between = (i: number, make: () => Node) => (i === 0 ? [] : [make()]);
  lines.replaceChildren(
    ...displayRuns(source).flatMap((runs, line) => [
      ...between(line, () => document.createElement("br")),
      ...runs.flatMap((piece, i) => [...between(i, () => document.createTextNode(" ")), typeset(piece)]),
    ]),
  );
}
