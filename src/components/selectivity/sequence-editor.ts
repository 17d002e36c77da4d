/**
 * The reader's Selective Copying sequence: a text box (in the URL), a "place" picker, a shuffle button and
 * the clickable token strip in a figure. Its `value` is the last valid context (a bad edit is explained and
 * leaves the figures on the previous one); it fires "input" whenever that context changes.
 */
import type { SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import { select, textInput } from "../controls.js";
import { figure } from "../figure.js";
import { formatContext, parseContext, placeToken, randomContext, stripData, tokenSymbol } from "./sequence.js";
import { placeOptions } from "./figures.js";
import { sequenceStrip } from "./sequence-strip.js";

export type SequenceEditor = HTMLElement & { value: number[] };

export function sequenceEditor(task: SelectiveCopyingSettings, options: { name: string; seed?: number }): SequenceEditor {
  const root = document.createElement("div") as unknown as SequenceEditor;
  root.className = "selectivity-sequence-editor";
  const symbol = (id: number) => tokenSymbol(task, id);
  let shuffleSeed = options.seed ?? 1;
  const text = textInput({ name: options.name, label: `Context: ${task.contextLength} tokens, “.” noise, 1–${symbol(task.firstDataToken + task.dataVocab - 1)} data`, value: formatContext(randomContext(task, shuffleSeed), task), maxLength: task.contextLength });
  const place = select({ name: "place", label: "Place", options: placeOptions(task), value: String(task.firstDataToken) });
  const shuffle = Object.assign(document.createElement("button"), { type: "button", textContent: "New random sequence" });
  const note = Object.assign(document.createElement("p"), { className: "selectivity-status selectivity-error" });
  note.setAttribute("role", "status");
  let context = randomContext(task, shuffleSeed);
  const strip = sequenceStrip(stripData(context, task), {
    onCell: (t) => (text.value = formatContext(placeToken(context, t, Number(place.value)), task)),
  });
  const stripFigure = figure(strip, {
    id: "selective-copying-sequence",
    caption: "Your sequence: the context (click to edit), then the markers ▸ at which the model answers.",
    data: () => ({ columns: ["position", "token"], rows: strip.data.symbols.map((s, t) => [t, s]) }),
    params: () => ({ sequence: text.value }),
  });
  // The box's own input event stops here: the editor fires one of its own, only for a valid context.
  text.addEventListener("input", (event) => {
    event.stopPropagation();
    read();
  });
  place.addEventListener("input", (event) => event.stopPropagation());
  shuffle.addEventListener("click", () => (text.value = formatContext(randomContext(task, ++shuffleSeed), task)));
  root.append(text, place, shuffle, note, stripFigure);
  Object.defineProperty(root, "value", { get: () => context });

  function read(): void {
    try {
      context = parseContext(text.value, task);
      note.textContent = "";
      strip.update(stripData(context, task));
      root.dispatchEvent(new Event("input"));
    } catch (error) {
      note.textContent = `${error instanceof Error ? error.message : String(error)} — the figures keep the last valid sequence.`;
    }
  }
  read();
  return root;
}
