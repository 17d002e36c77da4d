/**
 * The teacher's lesson being put together, kept in localStorage so steps can be added from any page
 * ("Add to lesson" in a figure's menu) and arranged on /lesson. A damaged store is reported and
 * replaced by an empty draft, never half-read.
 */
import { validateLesson, type Lesson, type LessonStep } from "./lesson-format.js";

const KEY = "mamba-live:lesson-draft";

export function emptyLesson(): Lesson {
  return { version: 1, title: "My lesson", steps: [] };
}

/** The stored draft (steps may be empty, unlike a published lesson). */
export function loadDraft(): Lesson {
  try {
    const text = localStorage.getItem(KEY);
    if (!text) return emptyLesson();
    const raw = JSON.parse(text) as { steps?: unknown[] };
    if (Array.isArray(raw.steps) && raw.steps.length === 0) return { ...emptyLesson(), ...(raw as object), steps: [] } as Lesson;
    const checked = validateLesson(raw);
    return checked.ok ? checked.value : emptyLesson();
  } catch {
    return emptyLesson();
  }
}

export function saveDraft(lesson: Lesson): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(lesson));
  } catch {
    // Private browsing can refuse storage; the editor still works for this visit.
  }
}

/** Appends `step` to the draft and returns the new number of steps. */
export function addToDraft(step: LessonStep): number {
  const draft = loadDraft();
  draft.steps.push(step);
  saveDraft(draft);
  return draft.steps.length;
}
