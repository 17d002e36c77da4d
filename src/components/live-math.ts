/**
 * Equations bound to live values. `sym(key, tex)` marks part of an equation; `liveTex` re-typesets
 * the equation whenever `update(values)` is called (KaTeX takes well under a millisecond for a line).
 * Any element with `data-sym="key"` — a marked symbol, a figure mark, a legend entry — lights up
 * together with every other element of the same key when the reader hovers or focuses one of them,
 * within the nearest `[data-sym-scope]` ancestor (or the whole page).
 */
import katex from "katex";
import { texNumber } from "./format.js";
import { displayTex, type TexOptions } from "./tex.js";

const SYMBOL_KEY = /^[a-z][a-z0-9-]*$/;

/** Marks `body` (TeX) as symbol `key`: focusable, highlighted together with figure marks of the same key. */
export function sym(key: string, body: string): string {
  if (!SYMBOL_KEY.test(key)) throw new Error(`sym: key ${JSON.stringify(key)} must match ${SYMBOL_KEY}`);
  return `\\htmlData{sym=${key}}{${body}}`;
}

/** A live number as TeX, optionally marked as symbol `key`: value(0.8187) → "0.819". */
export function value(number: number, key?: string, digits = 3): string {
  const text = texNumber(number, digits);
  return key ? sym(key, text) : text;
}

export type LiveTex<V> = HTMLElement & { update(values: V): void };

/** Only \htmlData is trusted: it is how symbols get their keys; no other HTML extension is allowed. */
const KATEX_OPTIONS: TexOptions = {
  throwOnError: false,
  output: "htmlAndMathml",
  trust: (context) => context.command === "\\htmlData",
  strict: "ignore",
};

/**
 * An equation typeset from `render(values)`, re-typeset by `update(values)`. Example:
 *   liveTex((v) => String.raw`\bar A = e^{${value(v.delta, "delta")} \cdot ${value(v.a)}} = ${value(Math.exp(v.delta * v.a), "abar")}`, {delta: 0.2, a: -1})
 */
export function liveTex<V>(render: (values: V) => string, values: V, options: { display?: boolean } = {}): LiveTex<V> {
  const element = document.createElement(options.display === false ? "span" : "div") as unknown as LiveTex<V>;
  element.className = "kit-live-tex";
  element.setAttribute("aria-live", "polite");
  element.update = (next: V) => {
    // Display equations break at their \allowbreaks on a narrow column (tex.ts displayTex).
    if (options.display === false) katex.render(render(next), element, { ...KATEX_OPTIONS, displayMode: false });
    else displayTex(element, render(next), KATEX_OPTIONS);
    for (const symbol of Array.from(element.querySelectorAll<HTMLElement>(".katex-html [data-sym]"))) symbol.tabIndex = 0;
  };
  element.update(values);
  installSymbolLinking();
  return element;
}

let installed = false;

/** One delegated listener pair for the page: hovering or focusing any [data-sym] lights its whole family. */
export function installSymbolLinking(): void {
  if (installed || typeof document === "undefined") return;
  installed = true;
  const light = (event: Event, on: boolean) => {
    const target = event.target instanceof Element ? event.target.closest("[data-sym]") : null;
    if (!target) return;
    const key = target.getAttribute("data-sym") ?? "";
    const scope = target.closest("[data-sym-scope]") ?? document;
    for (const element of Array.from(scope.querySelectorAll(`[data-sym="${CSS.escape(key)}"]`))) {
      element.classList.toggle("sym-active", on);
    }
  };
  document.addEventListener("mouseover", (event) => light(event, true));
  document.addEventListener("mouseout", (event) => light(event, false));
  document.addEventListener("focusin", (event) => light(event, true));
  document.addEventListener("focusout", (event) => light(event, false));
}
