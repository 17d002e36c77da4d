/**
 * The /lesson page: the overview of a lesson link (`/lesson?l=…`: every step, and a start button) and
 * the teacher's editor (title, steps with notes, reorder, add from a URL, copy the link, download or
 * upload the JSON file — uploads are validated and rejected with a message that names the problem).
 */
import { download } from "../export.js";
import { button, element, siteRoot } from "./focus.js";
import { loadDraft, saveDraft } from "./lesson-draft.js";
import { decodeLesson, encodeLesson, lessonJson, parseLessonJson, stepFromUrl, stepHref, validateLesson, type Lesson, type LessonStep } from "./lesson-format.js";

/** "continuous · phase-portrait · a11=0.3" — what a step shows, in one line. */
function stepSummary(step: LessonStep): string {
  return [step.page === "/" ? "home" : step.page.slice(1), step.figure, step.state || "default state"].filter(Boolean).join(" · ");
}

/** The overview of the lesson in `?l=` (or an error saying why the link is unusable). */
export function lessonOverview(encoded: string, onEdit: (lesson: Lesson) => void): HTMLElement {
  const root = element("section", "teach-lesson-overview");
  const decoded = decodeLesson(encoded);
  if (!decoded.ok) {
    const error = element("p", "teach-error", decoded.error);
    error.setAttribute("role", "alert");
    root.append(error);
    return root;
  }
  const lesson = decoded.value;
  root.append(element("h2", undefined, lesson.title));
  const list = element("ol", "teach-lesson-steps");
  lesson.steps.forEach((step, index) => {
    const item = element("li");
    const link = element("a", undefined, stepSummary(step));
    link.href = new URL(stepHref(step, encoded, index), siteRoot()).href;
    item.append(link);
    if (step.note) item.append(element("p", "teach-lesson-note", step.note));
    list.append(item);
  });
  const start = element("a", "teach-button teach-lesson-start", "Start the lesson →");
  start.href = new URL(stepHref(lesson.steps[0], encoded, 0), siteRoot()).href;
  root.append(list, start, button("Edit a copy of this lesson", () => onEdit(lesson)));
  return root;
}

/** The editor, working on the stored draft. */
export function lessonEditor(): HTMLElement & { load(lesson: Lesson): void } {
  const root = element("section", "teach-lesson-editor") as HTMLElement & { load(lesson: Lesson): void };
  let draft = loadDraft();
  const status = element("p", "teach-status");
  status.setAttribute("role", "status");
  const say = (message: string, isError = false) => {
    status.textContent = message;
    status.classList.toggle("teach-error", isError);
  };

  const titleLabel = element("label", "teach-field", "Lesson title ");
  const title = element("input");
  title.maxLength = 120;
  title.name = "lesson-title";
  title.addEventListener("input", () => {
    draft.title = title.value;
    saveDraft(draft);
  });
  titleLabel.append(title);

  const list = element("ol", "teach-lesson-steps teach-lesson-edit-steps");
  const render = () => {
    title.value = draft.title;
    list.replaceChildren(
      ...draft.steps.map((step, index) => {
        const item = element("li");
        item.append(element("span", "teach-step-summary", stepSummary(step)));
        const note = element("input", "teach-step-note");
        note.placeholder = "Note for students (optional)";
        note.maxLength = 500;
        note.value = step.note ?? "";
        note.setAttribute("aria-label", `Note for step ${index + 1}`);
        note.addEventListener("input", () => {
          step.note = note.value || undefined;
          saveDraft(draft);
        });
        const move = (to: number) => () => {
          if (to < 0 || to >= draft.steps.length) return;
          draft.steps.splice(to, 0, ...draft.steps.splice(index, 1));
          saveDraft(draft);
          render();
        };
        const remove = () => {
          draft.steps.splice(index, 1);
          saveDraft(draft);
          render();
        };
        item.append(note, button("↑", move(index - 1)), button("↓", move(index + 1)), button("Remove", remove));
        return item;
      }),
    );
    if (draft.steps.length === 0) list.append(element("li", "teach-empty", "No steps yet: add one from a URL below, or use “Add to lesson” in any figure’s Export menu."));
  };

  const urlField = element("input", "teach-add-url");
  urlField.placeholder = "Paste a URL of this site (a page with its state, e.g. …/discretisation?delta=1.5#error-vs-delta)";
  urlField.setAttribute("aria-label", "URL of the step to add");
  const add = button("Add step", () => {
    let url: URL;
    try {
      url = new URL(urlField.value.trim(), siteRoot());
    } catch {
      return say(`“${urlField.value.slice(0, 60)}” is not a URL.`, true);
    }
    if (url.origin !== location.origin) return say(`Only pages of this site can be lesson steps (the URL is on ${url.origin}).`, true);
    const step = stepFromUrl(url);
    if (!step.ok) return say(`That URL cannot be a step: ${step.error.replace(/^step 1: /, "")}`, true);
    draft.steps.push(step.value);
    saveDraft(draft);
    urlField.value = "";
    render();
    say(`Added step ${draft.steps.length}.`);
  });

  const published = (): Lesson | undefined => {
    const checked = validateLesson(draft);
    if (!checked.ok) say(`Cannot publish yet: ${checked.error}`, true);
    return checked.ok ? checked.value : undefined;
  };
  const linkField = element("input", "teach-lesson-link");
  linkField.readOnly = true;
  linkField.hidden = true;
  linkField.setAttribute("aria-label", "Lesson link");
  const copyLink = button("Copy lesson link", async () => {
    const lesson = published();
    if (!lesson) return;
    linkField.value = new URL(`./lesson?l=${encodeLesson(lesson)}`, siteRoot()).href;
    linkField.hidden = false;
    linkField.select();
    try {
      await navigator.clipboard.writeText(linkField.value);
      say("Lesson link copied.");
    } catch {
      say("Copy the selected link.");
    }
  });
  const save = button("Download JSON", () => {
    const lesson = published();
    if (!lesson) return;
    const name = `${lesson.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "lesson"}.lesson.json`;
    download(new Blob([lessonJson(lesson)], { type: "application/json" }), name);
    say(`Saved ${name}.`);
  });
  const uploadLabel = element("label", "teach-button teach-upload", "Upload JSON…");
  const upload = element("input");
  upload.type = "file";
  upload.accept = ".json,application/json";
  upload.addEventListener("change", async () => {
    const file = upload.files?.[0];
    upload.value = "";
    if (!file) return;
    if (file.size > 200_000) return say(`${file.name} is ${Math.round(file.size / 1000)} kB; a lesson file is at most 200 kB.`, true);
    const parsed = parseLessonJson(await file.text());
    if (!parsed.ok) return say(`${file.name} is not a lesson: ${parsed.error}`, true);
    root.load(parsed.value);
    say(`Loaded “${parsed.value.title}” (${parsed.value.steps.length} steps) from ${file.name}.`);
  });
  uploadLabel.append(upload);
  const clear = button("Start over", () => {
    draft = { version: 1, title: "My lesson", steps: [] };
    saveDraft(draft);
    render();
    say("Cleared.");
  });

  root.load = (lesson: Lesson) => {
    draft = structuredClone(lesson);
    saveDraft(draft);
    render();
  };
  const addRow = element("div", "teach-row");
  addRow.append(urlField, add);
  const actions = element("div", "teach-row");
  actions.append(copyLink, save, uploadLabel, clear);
  root.append(titleLabel, list, addRow, actions, linkField, status);
  render();
  return root;
}
