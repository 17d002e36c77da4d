/**
 * Lessons, pure (no DOM): a named sequence of configurations (page + URL state + figure) that a
 * teacher saves as a link (`?lesson=BASE64URL-JSON`) or a small JSON file and students step through.
 * Everything read from a link or a file is validated here, with a message that says what is wrong
 * and where, so a bad lesson never reaches the page.
 */

/** One configuration: a page of the site, the query string of its controls, optionally a figure to show. */
export interface LessonStep {
  /** Site path: "/" for the home page or "/name" (e.g. "/discretisation"). */
  page: string;
  /** Query string of control values without "?" (e.g. "delta=0.5&rule=euler"); may be "". */
  state: string;
  /** Figure id to scroll to (the figure frame's id). */
  figure?: string;
  /** What the teacher wants students to look at in this step. */
  note?: string;
}

export interface Lesson {
  version: 1;
  title: string;
  steps: LessonStep[];
}

/** URL parameters the teaching features own; they are never part of a step's state. */
export const TEACHING_PARAMS = ["lesson", "lesson-step", "present", "embed"] as const;

export const LIMITS = { title: 120, note: 500, state: 2000, steps: 100 } as const;

const PAGE = /^\/([a-z0-9][a-z0-9-]{0,63})?$/;
const FIGURE = /^[a-z][a-z0-9-]{0,63}$/;

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

/** The query string without "?" and without the teaching parameters, in its original order. */
export function cleanState(search: string): string {
  const params = new URLSearchParams(search);
  for (const name of TEACHING_PARAMS) params.delete(name);
  return params.toString();
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing"; // a missing field, not the word "undefined"
  const text = typeof value === "string" ? JSON.stringify(value) : typeof value === "number" || typeof value === "boolean" || value === null ? String(value) : Array.isArray(value) ? "a list" : typeof value;
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Checks one step, naming it "step N" in the message. */
function validateStep(raw: unknown, index: number): Validated<LessonStep> {
  const where = `step ${index + 1}`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: `${where}: expected an object with "page" and "state", got ${describe(raw)}.` };
  const step = raw as Record<string, unknown>;
  if (typeof step.page !== "string" || !PAGE.test(step.page)) {
    return { ok: false, error: `${where}: "page" must be a site path like "/discretisation" or "/", got ${describe(step.page)}.` };
  }
  const state = step.state ?? "";
  if (typeof state !== "string") return { ok: false, error: `${where}: "state" must be a query string like "delta=0.5", got ${describe(state)}.` };
  if (state.length > LIMITS.state) return { ok: false, error: `${where}: "state" is longer than ${LIMITS.state} characters.` };
  const result: LessonStep = { page: step.page, state: cleanState(state.replace(/^\?/, "")) };
  if (step.figure !== undefined) {
    if (typeof step.figure !== "string" || !FIGURE.test(step.figure)) return { ok: false, error: `${where}: "figure" must be a figure id like "error-vs-delta", got ${describe(step.figure)}.` };
    result.figure = step.figure;
  }
  if (step.note !== undefined) {
    if (typeof step.note !== "string") return { ok: false, error: `${where}: "note" must be text, got ${describe(step.note)}.` };
    if (step.note.length > LIMITS.note) return { ok: false, error: `${where}: "note" is longer than ${LIMITS.note} characters.` };
    if (step.note !== "") result.note = step.note;
  }
  return { ok: true, value: result };
}

/** Checks a parsed JSON value is a lesson: {version: 1, title, steps: [{page, state, figure?, note?}, …]}. */
export function validateLesson(raw: unknown): Validated<Lesson> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, error: `A lesson is a JSON object with "title" and "steps", got ${describe(raw)}.` };
  const lesson = raw as Record<string, unknown>;
  if (lesson.version !== undefined && lesson.version !== 1) return { ok: false, error: `Unsupported lesson version ${describe(lesson.version)}; this site reads version 1.` };
  if (typeof lesson.title !== "string" || lesson.title.trim() === "") return { ok: false, error: `The lesson needs a "title" (text), got ${describe(lesson.title)}.` };
  if (lesson.title.length > LIMITS.title) return { ok: false, error: `The title is longer than ${LIMITS.title} characters.` };
  if (!Array.isArray(lesson.steps) || lesson.steps.length === 0) return { ok: false, error: `The lesson needs "steps", a list of at least one step, got ${describe(lesson.steps)}.` };
  if (lesson.steps.length > LIMITS.steps) return { ok: false, error: `A lesson has at most ${LIMITS.steps} steps; this one has ${lesson.steps.length}.` };
  const steps: LessonStep[] = [];
  for (const [index, rawStep] of lesson.steps.entries()) {
    const step = validateStep(rawStep, index);
    if (!step.ok) return step;
    steps.push(step.value);
  }
  return { ok: true, value: { version: 1, title: lesson.title.trim(), steps } };
}

/** Parses and validates the text of a lesson JSON file. */
export function parseLessonJson(text: string): Validated<Lesson> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // The parser quotes the offending text, newlines included: keep the message on one line.
    return { ok: false, error: `Not valid JSON: ${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ")}.` };
  }
  return validateLesson(raw);
}

/** The lesson as pretty JSON, the downloadable file. */
export function lessonJson(lesson: Lesson): string {
  return `${JSON.stringify(lesson, null, 2)}\n`;
}

/** UTF-8 JSON in base64url (RFC 4648 §5, no padding): safe in a query string without escaping. */
export function encodeLesson(lesson: Lesson): string {
  const bytes = new TextEncoder().encode(JSON.stringify(lesson));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes and validates a `?lesson=` value. */
export function decodeLesson(encoded: string): Validated<Lesson> {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { ok: false, error: "The lesson link is damaged: its lesson= value has characters a lesson link never contains (was it cut or re-typed?)." };
  let text: string;
  try {
    const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
    text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return { ok: false, error: "The lesson link is damaged: its lesson= value does not decode (was it cut short?)." };
  }
  const parsed = parseLessonJson(text);
  return parsed.ok ? parsed : { ok: false, error: `The lesson link is damaged: ${parsed.error}` };
}

/**
 * The relative URL (from the site root) that opens step `index` of the lesson `encoded`:
 * `page?state&lesson=…&lesson-step=N#figure`, N counting from 1.
 */
export function stepHref(step: LessonStep, encoded: string, index: number): string {
  const params = new URLSearchParams(step.state);
  params.set("lesson", encoded);
  params.set("lesson-step", String(index + 1));
  const page = step.page === "/" ? "./" : `.${step.page}`;
  return `${page}?${params.toString()}${step.figure ? `#${step.figure}` : ""}`;
}

/** The step a `lesson-step` value points at (1-based in the URL), clamped into the lesson. */
export function stepIndex(raw: string | null, count: number): number {
  const number = Math.round(Number(raw));
  if (!Number.isFinite(number)) return 0;
  return Math.min(count - 1, Math.max(0, number - 1));
}

/** A step built from a site URL the teacher pasted (or the page they are on): page path, state, #figure. */
export function stepFromUrl(url: URL): Validated<LessonStep> {
  const name = url.pathname.replace(/\/+$/, "").split("/").pop()?.replace(/\.html$/, "") ?? "";
  const page = name === "" || name === "index" ? "/" : `/${name}`;
  const figure = decodeURIComponent(url.hash.replace(/^#/, ""));
  return validateStep({ page, state: cleanState(url.search), ...(figure ? { figure } : {}) }, 0);
}
