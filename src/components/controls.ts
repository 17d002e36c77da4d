/**
 * Reader controls: slider + number input, select, text and preset buttons. Each returns an element
 * with a `value` property that fires "input" events, so a page can use it with Framework's
 * `view(...)`, and each is mirrored into the URL under its `name` (omit `name` to keep it out).
 */
import { formatNumber } from "./format.js";
import { clampToSpec, keyStep, type ChoiceSpec, type NumberSpec, type ParamSpec, type ParamValue, type TextSpec } from "./params.js";
import { registerParam, setParam, urlNote } from "./url-state.js";

/** A control element: read/write `value` (writes clamp, update the URL and fire "input"), `reset()` to the default. */
export type Control<T> = HTMLElement & { value: T; readonly defaultValue: T; reset(): void };

let nextId = 0;
/** A page-unique element id for label/input pairs. */
function uniqueId(prefix: string): string {
  return `${prefix}-${++nextId}`;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The shared life of every control: the initial value comes from the URL when `name` is given
 * (with a visible note if it had to be clamped or ignored), every change is written back, and the
 * root element fires one bubbling "input" event per change.
 */
function makeControl<S extends ParamSpec>(
  root: HTMLElement,
  name: string | undefined,
  spec: S,
  normalise: (value: ParamValue<S>) => ParamValue<S>,
  render: (value: ParamValue<S>) => void,
): Control<ParamValue<S>> {
  const initial = name ? registerParam(name, spec) : { value: spec.value as ParamValue<S> };
  if (name) {
    // Lets tests (and tools such as the figure exporter) find every URL parameter a page accepts.
    root.dataset.param = name;
    root.dataset.paramSpec = JSON.stringify(spec);
  }
  let current = initial.value;
  const control = root as Control<ParamValue<S>>;
  Object.defineProperty(control, "value", {
    get: () => current,
    set: (next: ParamValue<S>) => {
      const value = normalise(next);
      render(value);
      if (Object.is(value, current)) return;
      current = value;
      if (name) setParam(name, value);
      control.dispatchEvent(new Event("input", { bubbles: true }));
    },
  });
  Object.defineProperty(control, "defaultValue", { value: spec.value });
  control.reset = () => {
    control.value = spec.value as ParamValue<S>;
  };
  root.append(urlNote(initial.note));
  render(current);
  return control;
}

/** Stops an inner input's own event so the root fires exactly one "input" per change, after updating. */
function relay(input: HTMLElement, type: string, handler: () => void): void {
  input.addEventListener(type, (event) => {
    event.stopPropagation();
    handler();
  });
}

function labelFor(text: string, unit: string | undefined, inputId: string): HTMLLabelElement {
  const label = element("label", "kit-control-label", text);
  label.htmlFor = inputId;
  if (unit) label.append(" ", element("span", "kit-unit", `(${unit})`));
  return label;
}

function resetButton(label: string, onClick: () => void): HTMLButtonElement {
  const button = element("button", "kit-reset", "↺");
  button.type = "button";
  button.title = `Reset ${label} to its default`;
  button.setAttribute("aria-label", `Reset ${label}`);
  button.addEventListener("click", onClick);
  return button;
}

export interface SliderOptions {
  label: string;
  min: number;
  max: number;
  /** Step of the arrows and of the grid values snap to; default (max − min)/100. */
  step?: number;
  value: number;
  /** URL parameter name; omit to keep this slider out of the URL. */
  name?: string;
  unit?: string;
  /** How screen readers announce the value; default 3 significant digits. */
  format?: (value: number) => string;
  /** Adds a ▶ button that advances one step per frame tick, wrapping at max. */
  play?: boolean | { stepsPerSecond?: number };
}

/**
 * A labelled range slider with a number box, unit, reset button and optional play button.
 * Keys: arrows ±step, PageUp/PageDown ±10 % of the range, Home/End to min/max.
 */
export function slider(options: SliderOptions): Control<number> {
  const spec: NumberSpec = {
    kind: "number",
    min: options.min,
    max: options.max,
    step: options.step ?? (options.max - options.min) / 100,
    value: options.value,
  };
  const format = options.format ?? ((value: number) => formatNumber(value));
  const root = element("div", "kit-control kit-slider");
  const id = uniqueId("kit-slider");
  const range = element("input", "kit-range");
  Object.assign(range, { type: "range", id, min: String(spec.min), max: String(spec.max), step: String(spec.step) });
  const number = element("input", "kit-number");
  Object.assign(number, { type: "number", min: String(spec.min), max: String(spec.max), step: String(spec.step) });
  number.setAttribute("aria-label", `${options.label} value`);
  const row = element("div", "kit-control-row");
  row.append(range, number);
  root.append(labelFor(options.label, options.unit, id), row);

  const control = makeControl(root, options.name, spec, (value) => clampToSpec(spec, Number(value)), (value) => {
    range.value = String(value);
    if (document.activeElement !== number) number.value = String(value);
    range.setAttribute("aria-valuetext", `${format(value)}${options.unit ? ` ${options.unit}` : ""}`);
  });
  relay(range, "input", () => (control.value = Number(range.value)));
  relay(range, "change", () => {});
  range.addEventListener("keydown", (event) => {
    const next = keyStep(spec, control.value, event.key);
    if (next === undefined) return;
    event.preventDefault();
    control.value = next;
  });
  relay(number, "input", () => {
    if (number.value.trim() !== "" && Number.isFinite(Number(number.value))) control.value = Number(number.value);
  });
  relay(number, "change", () => (number.value = String(control.value)));
  row.append(resetButton(options.label, () => control.reset()));
  if (options.play) row.append(playButton(control, spec, typeof options.play === "object" ? options.play.stepsPerSecond : undefined));
  return control;
}

/**
 * ▶/❚❚ toggle that advances `control` by one step `stepsPerSecond` times a second (default: the
 * whole range in 4 s), wrapping from max to min; stops when the control leaves the page.
 */
export function playButton(control: Control<number>, spec: NumberSpec, stepsPerSecond?: number): HTMLButtonElement {
  const button = element("button", "kit-play", "▶");
  button.type = "button";
  button.setAttribute("aria-label", "Play");
  button.setAttribute("aria-pressed", "false");
  const step = spec.step ?? (spec.max - spec.min) / 100;
  const rate = stepsPerSecond ?? (spec.max - spec.min) / step / 4;
  let frame = 0;
  let last = 0;
  const stop = () => {
    cancelAnimationFrame(frame);
    frame = 0;
    button.textContent = "▶";
    button.setAttribute("aria-label", "Play");
    button.setAttribute("aria-pressed", "false");
  };
  const tick = (time: number) => {
    if (!control.isConnected) return stop();
    if (time - last >= 1000 / rate) {
      last = time;
      control.value = control.value >= spec.max ? spec.min : control.value + step;
    }
    frame = requestAnimationFrame(tick);
  };
  button.addEventListener("click", () => {
    if (frame) return stop();
    button.textContent = "❚❚";
    button.setAttribute("aria-label", "Pause");
    button.setAttribute("aria-pressed", "true");
    frame = requestAnimationFrame(tick);
  });
  return button;
}

export interface SelectOptions {
  label: string;
  /** Values, or value/label pairs when the label differs. */
  options: readonly (string | { value: string; label: string })[];
  value: string;
  name?: string;
}

/** A labelled drop-down of fixed choices; a URL value that is not one of them is ignored with a note. */
export function select(options: SelectOptions): Control<string> {
  const choices = options.options.map((option) => (typeof option === "string" ? { value: option, label: option } : option));
  const spec: ChoiceSpec = { kind: "choice", options: choices.map((choice) => choice.value), value: options.value };
  const root = element("div", "kit-control kit-select");
  const id = uniqueId("kit-select");
  const input = element("select");
  input.id = id;
  for (const choice of choices) {
    const option = element("option", undefined, choice.label);
    option.value = choice.value;
    input.append(option);
  }
  const row = element("div", "kit-control-row");
  row.append(input);
  root.append(labelFor(options.label, undefined, id), row);
  const control: Control<string> = makeControl(root, options.name, spec, (value) => (spec.options.includes(value) ? value : control.value), (value) => {
    input.value = value;
  });
  relay(input, "input", () => (control.value = input.value));
  relay(input, "change", () => {});
  return control;
}

export interface TextOptions {
  label: string;
  value: string;
  maxLength: number;
  name?: string;
  placeholder?: string;
}

/** A labelled one-line text box; its value is only ever shown as text, never parsed as markup. */
export function textInput(options: TextOptions): Control<string> {
  const spec: TextSpec = { kind: "text", maxLength: options.maxLength, value: options.value };
  const root = element("div", "kit-control kit-text");
  const id = uniqueId("kit-text");
  const input = element("input");
  Object.assign(input, { type: "text", id, maxLength: options.maxLength, placeholder: options.placeholder ?? "", spellcheck: false });
  const row = element("div", "kit-control-row");
  row.append(input);
  root.append(labelFor(options.label, undefined, id), row);
  const control = makeControl(root, options.name, spec, (value) => String(value).slice(0, spec.maxLength), (value) => {
    if (input.value !== value) input.value = value;
  });
  relay(input, "input", () => (control.value = input.value));
  relay(input, "change", () => {});
  row.append(resetButton(options.label, () => control.reset()));
  return control;
}

/** One named configuration: control key → value. */
export interface Preset {
  label: string;
  values: Readonly<Record<string, number | string>>;
}

/** A row of buttons, each setting several controls at once (values are clamped by the controls). */
export function presets(label: string, entries: readonly Preset[], controls: Readonly<Record<string, Control<number> | Control<string>>>): HTMLElement {
  const root = element("div", "kit-control kit-presets");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", label);
  root.append(element("span", "kit-control-label", label));
  const row = element("div", "kit-control-row");
  for (const entry of entries) {
    const button = element("button", "kit-preset", entry.label);
    button.type = "button";
    button.addEventListener("click", () => {
      for (const [key, value] of Object.entries(entry.values)) {
        const control = controls[key];
        if (control) (control as Control<number | string>).value = value;
      }
    });
    row.append(button);
  }
  root.append(row);
  return root;
}
