/**
 * What present and embed mode show: one figure and the controls that drive it, everything else of
 * the page hidden by CSS (nothing is moved, so Framework's cells keep updating the same nodes).
 * A figure's controls are the named controls displayed since the previous figure; a figure with
 * none right before it (a second view of the same state) shares the previous figure's controls.
 */
import { watchElements } from "../frame.js";

const CONTROL = ".kit-control";
const KEEP = "teach-keep";
const PATH = "teach-path";

/** One figure with the controls that drive it. */
export interface FigureGroup {
  figure: HTMLElement;
  controls: HTMLElement[];
}

/** Top-level controls (not inside another control or a figure) and figures of `root`, in document order. */
export function figureGroups(root: ParentNode = document): FigureGroup[] {
  const nodes = Array.from(root.querySelectorAll<HTMLElement>(`.kit-figure, ${CONTROL}`)).filter(
    (node) => node.matches(".kit-figure") || !node.parentElement?.closest(`${CONTROL}, .kit-figure, .teach-exercise, .teach-ui`),
  );
  const groups: FigureGroup[] = [];
  let pending: HTMLElement[] = [];
  for (const node of nodes) {
    if (!node.matches(".kit-figure")) {
      pending.push(node);
      continue;
    }
    const controls = pending.length > 0 ? pending : (groups.at(-1)?.controls ?? []);
    groups.push({ figure: node, controls });
    pending = [];
  }
  return groups;
}

/** Shows only `elements` (and what they contain) inside <main>; `null` shows the whole page again. */
export function focusOn(elements: readonly HTMLElement[] | null): void {
  for (const node of Array.from(document.querySelectorAll(`.${KEEP}, .${PATH}`))) node.classList.remove(KEEP, PATH);
  if (!elements) return;
  const main = document.getElementById("observablehq-main") ?? document.body;
  for (const element of elements) {
    element.classList.add(KEEP);
    for (let node = element.parentElement; node && node !== main.parentElement; node = node.parentElement) node.classList.add(PATH);
  }
}

/**
 * Calls `onChange` (once per frame at most) whenever figures or controls enter or leave the page,
 * and once at the start: pages display figures as their cells finish, some after awaiting the GPU.
 */
export function watchFigures(onChange: () => void): void {
  watchElements(`.kit-figure, ${CONTROL}`, onChange);
}

/** The page's title without the site suffix Framework appends ("Title | Site"). */
export function pageTitle(): string {
  return document.title.replace(/\s*\|[^|]*$/, "").trim() || document.title;
}

/** The site root URL: every page of this site sits at the top level, so it is the page's folder. */
export function siteRoot(): URL {
  return new URL(".", location.href);
}

/** Builds an element with a class and text (text only ever set with textContent). */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A plain button with a label; `onClick` runs on click. */
export function button(label: string, onClick: () => void, className = "teach-button"): HTMLButtonElement {
  const node = element("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}
