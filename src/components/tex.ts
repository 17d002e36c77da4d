import katex from "katex";

/**
 * Typesets TeX with KaTeX and returns the element, for use in Markdown cells: ${tex`\bar A = e^{\Delta A}`}.
 * Framework's own `tex` comes from a CDN, so the site uses KaTeX from node_modules directly.
 * Interpolated values are inserted as written; pass numbers through `formatNumber` first.
 */
export function tex(strings: TemplateStringsArray, ...values: unknown[]): HTMLElement {
  return renderTex(String.raw(strings, ...values), { displayMode: false });
}

/** Display-mode variant of `tex`: a centred equation on its own line. */
tex.block = function texBlock(strings: TemplateStringsArray, ...values: unknown[]): HTMLElement {
  return renderTex(String.raw(strings, ...values), { displayMode: true });
};

/** Renders one TeX string; a syntax error shows KaTeX's message in place of the equation, never throws. */
export function renderTex(source: string, options: { displayMode: boolean }): HTMLElement {
  const element = document.createElement(options.displayMode ? "div" : "span");
  katex.render(source, element, { displayMode: options.displayMode, throwOnError: false, output: "htmlAndMathml" });
  return element;
}
