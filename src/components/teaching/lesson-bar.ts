/**
 * The student's side of a lesson: on any page opened with `?lesson=…&lesson-step=N`, a small floating
 * bar says which step this is, shows the teacher's note and goes to the previous or next step (each
 * step is a page with its own URL state, so a step change is a page load that restores the controls).
 */
import { button, element, figureGroups, siteRoot } from "./focus.js";
import { decodeLesson, stepHref, stepIndex } from "./lesson-format.js";

export function startLessonBar(encoded: string, rawStep: string | null): void {
  const bar = element("nav", "teach-ui teach-lesson-bar");
  bar.setAttribute("aria-label", "Lesson");
  document.body.append(bar);
  const decoded = decodeLesson(encoded);
  if (!decoded.ok) {
    bar.dataset.error = "invalid-lesson";
    bar.append(element("span", "teach-lesson-error", decoded.error), leaveButton());
    return;
  }
  const lesson = decoded.value;
  const index = stepIndex(rawStep, lesson.steps.length);
  const step = lesson.steps[index];
  const go = (target: number) => location.assign(new URL(stepHref(lesson.steps[target], encoded, target), siteRoot()).href);

  const title = element("a", "teach-lesson-title", lesson.title);
  title.href = new URL(`./lesson?l=${encoded}`, siteRoot()).href;
  title.title = "All steps of this lesson";
  const counter = element("span", "teach-lesson-counter", `Step ${index + 1} of ${lesson.steps.length}`);
  counter.dataset.step = String(index + 1);
  const previous = button("← Previous", () => go(index - 1));
  previous.disabled = index === 0;
  previous.dataset.lesson = "previous";
  const next = button("Next →", () => go(index + 1));
  next.disabled = index === lesson.steps.length - 1;
  next.dataset.lesson = "next";
  bar.append(title, counter, previous, next, leaveButton());
  if (step.note) bar.append(element("p", "teach-lesson-note", step.note));
  if (step.figure) highlightFigure(step.figure);
}

/** Leaves the lesson: the same page and state, without the lesson parameters. */
function leaveButton(): HTMLButtonElement {
  const leave = button("×", () => {
    const params = new URLSearchParams(location.search);
    params.delete("lesson");
    params.delete("lesson-step");
    const search = params.toString();
    location.assign(`${location.pathname}${search ? `?${search}` : ""}${location.hash}`);
  });
  leave.title = "Leave the lesson";
  leave.setAttribute("aria-label", "Leave the lesson");
  return leave;
}

/** Marks the step's figure and scrolls to it once it is on the page (figures may arrive late). */
function highlightFigure(id: string): void {
  const found = () => {
    const figure = document.getElementById(id);
    if (!figure) return false;
    figure.classList.add("teach-lesson-figure");
    // Scroll to the controls that drive the figure, so students see both.
    const controls = figureGroups().find((group) => group.figure === figure)?.controls ?? [];
    (controls[0] ?? figure).scrollIntoView({ block: "start" });
    return true;
  };
  if (found()) return;
  const observer = new MutationObserver(() => {
    if (found()) observer.disconnect();
  });
  observer.observe(document.body, { childList: true, subtree: true });
  window.setTimeout(() => observer.disconnect(), 30_000);
}
