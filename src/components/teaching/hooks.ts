/**
 * Where the teaching features meet the kit. `installTeaching()` runs once per page (the figure frame
 * calls it) and starts what the URL asks for: `?embed=ID`, `?present`, `?lesson=…`; it also keeps the
 * live URL under every figure for printed handouts and adds "cite this page" at the end of the page.
 * `teachingMenuItems` are the figure menu's extra entries: copy embed code, cite, add to lesson.
 */
import { oncePerFrame } from "../frame.js";
import { bibtex, embedCode } from "./cite.js";
import { startEmbed } from "./embed.js";
import { exposeHeadlessExport } from "./headless.js";
import { button, element, figureGroups, pageTitle, watchFigures } from "./focus.js";
import { addToDraft } from "./lesson-draft.js";
import { startLessonBar } from "./lesson-bar.js";
import { stepFromUrl } from "./lesson-format.js";
import { currentState, embedUrl, liveUrl, stateRecord } from "./links.js";
import { startPresentation } from "./present.js";

let installed = false;

export function installTeaching(): void {
  if (installed) return;
  installed = true;
  const params = new URLSearchParams(location.search);
  const embed = params.get("embed");
  if (embed !== null) {
    startEmbed(embed.trim());
  } else {
    if (params.has("present")) startPresentation(params.get("present") ?? "");
    const lesson = params.get("lesson");
    if (lesson !== null) startLessonBar(lesson, params.get("lesson-step"));
    appendPageTools();
  }
  keepPrintUrls();
  exposeHeadlessExport();
}

/** A `.teach-print-url` line in each figure (shown only in print) holding the live URL of its state. */
function keepPrintUrls(): void {
  const update = () => {
    for (const frame of Array.from(document.querySelectorAll<HTMLElement>(".kit-figure[id]"))) {
      let line = frame.querySelector<HTMLElement>(":scope > .teach-print-url");
      if (!line) {
        line = element("p", "teach-print-url");
        frame.append(line);
      }
      const url = liveUrl(frame.id);
      if (line.textContent !== `Live version: ${url}`) line.textContent = `Live version: ${url}`;
    }
  };
  watchFigures(update);
  document.addEventListener("input", oncePerFrame(update));
  window.addEventListener("beforeprint", update);
}

/** A textarea that shows generated text (embed code, BibTeX), selected for copying. */
function showText(output: HTMLTextAreaElement, text: string): Promise<boolean> {
  output.value = text;
  output.hidden = false;
  output.rows = Math.min(12, text.split("\n").length + 1);
  output.select();
  return navigator.clipboard.writeText(text).then(
    () => true,
    () => false,
  );
}

/** BibTeX for the figure `figure` (or the page when absent) at the current state. */
function citation(figure?: HTMLElement): string {
  return bibtex({
    pageTitle: pageTitle(),
    figure: figure ? { id: figure.id, number: Number(figure.dataset.figureNumber) || undefined } : undefined,
    url: liveUrl(figure?.id),
    state: stateRecord(),
    accessed: new Date(),
  });
}

/** Height the embedded figure will need: the figure plus its controls, as laid out now. */
function embedHeight(frame: HTMLElement): number {
  const group = figureGroups().find((candidate) => candidate.figure === frame);
  const parts = [frame, ...(group?.controls ?? [])];
  return 48 + parts.reduce((sum, part) => sum + part.getBoundingClientRect().height, 0);
}

/** The figure menu's teaching entries and the text area they fill. */
export function teachingMenuItems(frame: HTMLElement, say: (message: string) => void): { buttons: HTMLButtonElement[]; output: HTMLTextAreaElement } {
  const output = element("textarea", "teach-export-text");
  output.readOnly = true;
  output.hidden = true;
  output.setAttribute("aria-label", "Text to copy");
  const copied = (what: string) => (ok: boolean) => say(ok ? `${what} copied.` : `Copy the selected ${what.toLowerCase()} above.`);
  // Read at click time: the caption (and its number) is added to the frame after the menu is built.
  const caption = () => (frame.querySelector(".kit-caption")?.textContent?.trim() || frame.id).slice(0, 200);
  const items = [
    button("Copy embed code", () => void showText(output, embedCode(embedUrl(frame.id), caption(), embedHeight(frame))).then(copied("Embed code"))),
    button("Cite this figure", () => void showText(output, citation(frame)).then(copied("BibTeX"))),
    button("Add to lesson", () => {
      const step = stepFromUrl(new URL(liveUrl(frame.id)));
      if (!step.ok) return say(step.error);
      const count = addToDraft(step.value);
      say(`Added as step ${count} of your lesson draft; arrange it on the Lesson page (/lesson).`);
    }),
  ];
  items[0].dataset.export = "embed";
  items[1].dataset.export = "cite";
  items[2].dataset.export = "lesson";
  return { buttons: items, output };
}

/** "Cite this page", "Present" and "Lesson editor" at the end of the page's main column. */
function appendPageTools(): void {
  const main = document.getElementById("observablehq-main");
  if (!main) return;
  const tools = element("aside", "teach-ui teach-page-tools");
  tools.setAttribute("aria-label", "For teachers");
  const output = element("textarea", "teach-export-text");
  output.readOnly = true;
  output.hidden = true;
  output.setAttribute("aria-label", "BibTeX for this page");
  const status = element("span", "teach-status");
  status.setAttribute("role", "status");
  const cite = button("Cite this page", () => void showText(output, citation()).then((ok) => (status.textContent = ok ? "BibTeX copied." : "Copy the selected BibTeX.")));
  const present = element("a", "teach-button", "Present");
  present.title = "One figure at a time, large type; ←/→ to move";
  const updatePresentLink = () => {
    const params = new URLSearchParams(currentState());
    params.set("present", "1");
    present.href = `?${params.toString()}`;
  };
  updatePresentLink();
  present.addEventListener("pointerenter", updatePresentLink);
  present.addEventListener("focus", updatePresentLink);
  const lessons = element("a", "teach-button", "Lessons");
  lessons.href = "./lesson";
  tools.append(element("span", "teach-page-tools-label", "Teaching:"), cite, present, lessons, status, output);
  main.append(tools);
}
