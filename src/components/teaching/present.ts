/**
 * Presentation mode (`?present`, or `?present=N` / `?present=FIGURE_ID` to start there): one figure
 * and its controls at a time, in large type, for a projector. ←/→ and PageUp/PageDown move between
 * figures (clickers send Page keys), Home/End jump to the ends, Escape leaves the mode.
 */
import { button, element, figureGroups, focusOn, watchFigures, type FigureGroup } from "./focus.js";

/** Keys that change slide, and by how much (Infinity = to the end). */
const MOVES: Record<string, number> = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1, Home: -Infinity, End: Infinity };

/** True when a key press belongs to a form field or control (a slider keeps its arrows). */
function typingInControl(target: EventTarget | null): boolean {
  return target instanceof Element && Boolean(target.closest("input, select, textarea, [contenteditable], .kit-control, .kit-export, details"));
}

/** The slide a `present` value (1-based number or figure id) or the #hash points at. */
function initialSlide(value: string, groups: readonly FigureGroup[]): number {
  const byId = groups.findIndex((group) => group.figure.id === (value || location.hash.slice(1)));
  if (byId >= 0) return byId;
  const number = Number(value);
  return Number.isInteger(number) && number >= 1 ? number - 1 : 0;
}

export function startPresentation(value: string): void {
  document.body.classList.add("teach-focus", "teach-present");
  const bar = element("nav", "teach-ui teach-present-bar");
  bar.setAttribute("aria-label", "Presentation");
  const previous = button("← Previous", () => move(current - 1));
  const next = button("Next →", () => move(current + 1));
  const counter = element("span", "teach-present-counter");
  counter.setAttribute("aria-live", "polite");
  const exit = button("Exit presentation", leave);
  bar.append(previous, counter, next, exit);
  document.body.append(bar);

  let groups: FigureGroup[] = [];
  let current = -1;
  let wanted = value;

  function go(index: number): void {
    if (groups.length === 0) return;
    const clamped = Math.max(0, Math.min(groups.length - 1, index));
    current = clamped;
    const group = groups[clamped];
    focusOn([...group.controls, group.figure]);
    counter.textContent = `${clamped + 1} / ${groups.length}`;
    previous.disabled = clamped === 0;
    next.disabled = clamped === groups.length - 1;
    const params = new URLSearchParams(location.search);
    params.set("present", String(clamped + 1));
    history.replaceState(history.state, "", `${location.pathname}?${params.toString()}`);
    window.scrollTo(0, 0);
  }

  /** A move the presenter asked for: it replaces any start slide still waiting for its figure. */
  function move(index: number): void {
    wanted = "";
    go(index);
  }

  function leave(): void {
    const params = new URLSearchParams(location.search);
    params.delete("present");
    const search = params.toString();
    location.assign(`${location.pathname}${search ? `?${search}` : ""}${current >= 0 ? `#${groups[current].figure.id}` : ""}`);
  }

  watchFigures(() => {
    const shownId = groups[current]?.figure.id;
    groups = figureGroups();
    if (groups.length === 0) {
      counter.textContent = "No figure on this page yet";
      return;
    }
    // Figures still arriving: keep showing the same figure; the wanted start slide may arrive later.
    const keep = shownId ? groups.findIndex((group) => group.figure.id === shownId) : -1;
    const target = wanted !== "" ? initialSlide(wanted, groups) : keep >= 0 ? keep : 0;
    if (wanted !== "" && (groups.some((group) => group.figure.id === wanted) || Number(wanted) <= groups.length)) wanted = "";
    go(target);
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typingInControl(event.target)) return;
    if (event.key === "Escape") return leave();
    const step = MOVES[event.key];
    if (step === undefined) return;
    event.preventDefault();
    move(Number.isFinite(step) ? current + step : step > 0 ? groups.length - 1 : 0);
  });
}
