/**
 * Mirrors controls into the page URL (history.replaceState) and restores them from it, so a shared
 * URL reopens the same configuration. Each control registers under a page-unique name; a control
 * re-created by a re-run cell takes over its name and reads the value the URL now holds.
 */
import { parseParam, withParams, type ParamSpec, type ParamValue, type Parsed } from "./params.js";

const specs: Record<string, ParamSpec> = {};
const pending: Record<string, number | string> = {};
let flushScheduled = false;

/** Registers `name` with `spec` and returns its value from the current URL (or the default), with a note if the URL value was changed. */
export function registerParam<S extends ParamSpec>(name: string, spec: S): Parsed<ParamValue<S>> {
  specs[name] = spec;
  return parseParam(name, spec, new URLSearchParams(location.search).get(name));
}

/**
 * Records a new value for `name`; the URL is rewritten once per frame however many controls move,
 * since replaceState is rate-limited by browsers and slider drags fire on every pixel.
 */
export function setParam(name: string, value: number | string): void {
  pending[name] = value;
  if (flushScheduled) return;
  flushScheduled = true;
  requestAnimationFrame(flushParams);
}

/** Writes pending values into the URL now (also used before copying a link). */
export function flushParams(): void {
  flushScheduled = false;
  const values = { ...pending };
  for (const name of Object.keys(pending)) delete pending[name];
  const search = withParams(location.search, specs, values);
  if (search === location.search) return;
  history.replaceState(history.state, "", `${location.pathname}${search}${location.hash}`);
}

/** The page URL with every control's state and `#anchor`, for "copy link to this figure". */
export function linkTo(anchor: string): string {
  flushParams();
  return `${location.origin}${location.pathname}${location.search}#${encodeURIComponent(anchor)}`;
}

/** A small inline note (role="status") saying a URL value was clamped or ignored; built with textContent only. */
export function urlNote(note: string | undefined): HTMLElement {
  const element = document.createElement("p");
  element.className = "kit-url-note";
  element.setAttribute("role", "status");
  element.hidden = !note;
  element.textContent = note ? `URL: ${note}` : "";
  return element;
}
