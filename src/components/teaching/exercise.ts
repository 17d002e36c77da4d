/**
 * Exercises that check themselves live: the page re-runs `check` whenever one of the watched controls
 * moves and says at once whether the reader has done it, with a hint and a reveal on request.
 */
import { oncePerFrame } from "../frame.js";
import { element } from "./focus.js";

/** What a check returns: pass/fail, optionally with a line that tells the reader why. */
export type CheckResult = boolean | { ok: boolean; message?: string };

export interface ExerciseOptions {
  /** Stable id, unique on the page (the element's id is `exercise-ID`). */
  id: string;
  /** The task, as text or a node (which may hold typeset math). */
  prompt: string | Node;
  /** Reads the controls' current values and decides; must not throw (a throw is shown as "cannot check"). */
  check: () => CheckResult;
  hint?: string | Node;
  /** The answer, shown only when the reader asks. */
  reveal?: string | Node;
  /** Controls (anything firing "input") whose changes re-run the check. */
  watch: readonly EventTarget[];
}

export type ExerciseElement = HTMLElement & { recheck(): boolean };

const EXERCISE_ID = /^[a-z][a-z0-9-]{0,63}$/;

/** Normalises a check's answer; a thrown error becomes a failed check with the error's message. */
export function runCheck(check: () => CheckResult): { ok: boolean; message?: string } {
  try {
    const result = check();
    return typeof result === "boolean" ? { ok: result } : { ok: Boolean(result.ok), message: result.message };
  } catch (error) {
    return { ok: false, message: `Cannot check yet: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** A collapsible "Hint" or "Show the answer" block. */
function disclosure(summaryText: string, content: string | Node, className: string): HTMLDetailsElement {
  const details = element("details", className);
  details.append(element("summary", undefined, summaryText));
  const body = element("div");
  body.append(content);
  details.append(body);
  return details;
}

/** An exercise box: number and prompt, a live verdict (role="status"), hint and reveal. */
export function exercise(options: ExerciseOptions): ExerciseElement {
  if (!EXERCISE_ID.test(options.id)) throw new Error(`exercise: id ${JSON.stringify(options.id)} must match ${EXERCISE_ID}`);
  const root = element("section", "teach-exercise") as ExerciseElement;
  root.id = `exercise-${options.id}`;
  root.dataset.exercise = options.id;
  const prompt = element("div", "teach-exercise-prompt");
  prompt.append(options.prompt);
  const verdict = element("p", "teach-exercise-verdict");
  verdict.setAttribute("role", "status");
  verdict.setAttribute("aria-live", "polite");
  root.append(prompt, verdict);
  if (options.hint) root.append(disclosure("Hint", options.hint, "teach-exercise-hint"));
  if (options.reveal) root.append(disclosure("Show the answer", options.reveal, "teach-exercise-reveal"));

  root.recheck = () => {
    const result = runCheck(options.check);
    root.dataset.state = result.ok ? "passed" : "open";
    verdict.textContent = `${result.ok ? "✓ Done" : "Not yet"}${result.message ? ` — ${result.message}` : result.ok ? "." : ": move the controls above."}`;
    return result.ok;
  };
  // Checks run after the page's own cells have reacted to the same input (they may read updated state).
  const schedule = oncePerFrame(() => root.recheck());
  for (const control of options.watch) control.addEventListener("input", schedule);
  root.recheck();
  return root;
}
