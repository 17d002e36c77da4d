/**
 * Parameter specs and their URL encoding, pure (no DOM): what a control accepts, how a raw URL
 * value becomes a valid one, and a note for the reader whenever a URL value had to be changed.
 * A URL value is only ever parsed into a number or matched against a list: it is never evaluated
 * and never reaches the page as markup.
 */

export interface NumberSpec {
  kind: "number";
  min: number;
  max: number;
  /** Values snap to min + k·step; omitted means any number in range. */
  step?: number;
  value: number;
}

export interface ChoiceSpec {
  kind: "choice";
  options: readonly string[];
  value: string;
}

export interface TextSpec {
  kind: "text";
  maxLength: number;
  value: string;
}

export type ParamSpec = NumberSpec | ChoiceSpec | TextSpec;
export type ParamValue<S extends ParamSpec> = S extends NumberSpec ? number : string;

/** A parsed value, with a note for the reader when the raw value was clamped, cut or ignored. */
export interface Parsed<T> {
  value: T;
  note?: string;
}

/** Shows at most 40 characters of a raw value inside a note (the note is set as text, never as HTML). */
function quote(raw: string): string {
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  return `“${shown}”`;
}

/** Rounds away binary noise (0.1 + 0.2) so URLs and labels show the value the reader chose. */
export function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/** Clamps to [min, max] and snaps to the step grid that starts at min. */
export function clampToSpec(spec: NumberSpec, value: number): number {
  const clamped = Math.min(spec.max, Math.max(spec.min, value));
  if (!spec.step) return tidy(clamped);
  const snapped = spec.min + Math.round((clamped - spec.min) / spec.step) * spec.step;
  return tidy(Math.min(spec.max, snapped));
}

/** Turns a raw URL value (null when absent) into a valid value of `spec`, with a note if it changed. */
export function parseParam<S extends ParamSpec>(name: string, spec: S, raw: string | null): Parsed<ParamValue<S>> {
  return parseAny(name, spec, raw) as Parsed<ParamValue<S>>;
}

function parseAny(name: string, spec: ParamSpec, raw: string | null): Parsed<number | string> {
  if (raw === null) return { value: spec.value };
  switch (spec.kind) {
    case "number": {
      const number = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(number)) {
        return { value: spec.value, note: `${name}: ignored ${quote(raw)} (not a number); using ${spec.value}.` };
      }
      const value = clampToSpec(spec, number);
      const outside = number < spec.min || number > spec.max;
      return outside
        ? { value, note: `${name}: ${quote(raw)} is outside ${spec.min}…${spec.max}; clamped to ${value}.` }
        : { value };
    }
    case "choice":
      return spec.options.includes(raw)
        ? { value: raw }
        : { value: spec.value, note: `${name}: ignored ${quote(raw)} (expected one of ${spec.options.join(", ")}); using ${spec.value}.` };
    case "text":
      return raw.length <= spec.maxLength
        ? { value: raw }
        : { value: raw.slice(0, spec.maxLength), note: `${name}: cut to its first ${spec.maxLength} characters.` };
  }
}

/** The URL text of a value: numbers without binary noise, strings as they are (URLSearchParams escapes). */
export function serializeParam(value: number | string): string {
  return typeof value === "number" ? String(tidy(value)) : value;
}

/**
 * The query string with `values` applied: a value equal to its spec's default is removed, so URLs
 * stay short and only carry what the reader changed; unknown parameters are kept as they were.
 */
export function withParams(
  search: string,
  specs: Readonly<Record<string, ParamSpec>>,
  values: Readonly<Record<string, number | string>>,
): string {
  const params = new URLSearchParams(search);
  for (const [name, value] of Object.entries(values)) {
    const spec = specs[name];
    if (!spec) continue;
    if (value === spec.value) params.delete(name);
    else params.set(name, serializeParam(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Steps a number control by a key the way ARIA sliders do: arrows ±step, Page keys ±10 % of the range (at least one step), Home/End. */
export function keyStep(spec: NumberSpec, value: number, key: string): number | undefined {
  const step = spec.step ?? (spec.max - spec.min) / 100;
  const page = Math.max(step, ((spec.max - spec.min) / 10));
  const moves: Record<string, number> = {
    ArrowRight: value + step,
    ArrowUp: value + step,
    ArrowLeft: value - step,
    ArrowDown: value - step,
    PageUp: value + page,
    PageDown: value - page,
    Home: spec.min,
    End: spec.max,
  };
  return key in moves ? clampToSpec(spec, moves[key]) : undefined;
}
