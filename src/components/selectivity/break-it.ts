/**
 * "Break it": the selectivity chapter's experiment lab. The reader picks an experiment (experiments.ts:
 * shrink Δ on a data token, raise Δ on a noise token, zero B, swap C between markers), its layers and
 * settings; the lab runs the selective model on the reader's sequence before and after, and on sequences
 * with data at the same positions, on the page's engine, and draws where it acted, the answers and the
 * state after. Its `value` is the last PerturbationOutcome (undefined while it runs the first time); it
 * fires "input" after every completed experiment. Placeholders say what is coming until then.
 */
import type { Engine } from "../../engine/engine.js";
import type { SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { MambaModel } from "../../engine/types.js";
import { heatmap } from "../charts/heatmap.js";
import { presets, select, slider, type Control } from "../controls.js";
import { figure } from "../figure.js";
import { formatNumber } from "../format.js";
import { answerTable } from "./answer-table.js";
import type { ExperimentKind, Experiment } from "./experiments.js";
import { heatmapTable, stateHeatmap, swapOptions } from "./figures.js";
import { onSequence, perturbationOutcome, type Accuracy, type PerturbationOutcome } from "./lab.js";
import type { SequenceEditor } from "./sequence-editor.js";
import { dataPositions, randomContext, stripData, tokenSymbol } from "./sequence.js";
import { sequenceStrip } from "./sequence-strip.js";

export type BreakItLab = HTMLElement & {
  value: PerturbationOutcome | undefined;
  /** The experiment picker and the data-token slider (the exercises watch them). */
  controls: { experiment: Control<string>; dataToken: Control<number> };
};

const percent = (a: Accuracy) => (a.total ? `${formatNumber((100 * a.correct) / a.total, 3)}%` : "—");

export function breakItLab(engine: Engine, model: MambaModel, task: SelectiveCopyingSettings, sequence: SequenceEditor): BreakItLab {
  const root = document.createElement("div") as unknown as BreakItLab;
  root.className = "selectivity-break-it";
  root.value = undefined;
  const symbol = (id: number) => tokenSymbol(task, id);
  const { convWidth } = model.config;
  const controls = {
    experiment: select({ name: "experiment", label: "Experiment", value: "shrink-delta", options: [
      { value: "none", label: "none" },
      { value: "shrink-delta", label: "shrink Δ on a data token" },
      { value: "raise-delta", label: "raise Δ on a noise token" },
      { value: "zero-b", label: "zero B at a data token" },
      { value: "swap-c", label: "swap C between two markers" },
    ] }),
    layers: select({ name: "perturb-layers", label: "In layers", options: [{ value: "all", label: "all layers" }, ...model.layers.map((_l, i) => ({ value: String(i), label: `layer ${i + 1} only` }))], value: "0" }),
    dataToken: slider({ name: "data-token", label: "Which data token", min: 1, max: task.dataCount, step: 1, value: 2 }),
    span: slider({ name: "span", label: "Tokens perturbed from it on", min: 1, max: 8, step: 1, value: convWidth }),
    shrink: slider({ name: "shrink", label: "Multiply their Δ by", unit: "×", min: 0, max: 1, step: 0.01, value: 0 }),
    noisePosition: slider({ name: "noise-position", label: "Noise position", min: 0, max: task.contextLength - 1, step: 1, value: Math.floor(task.contextLength / 2) }),
    raise: slider({ name: "raise", label: "Set its Δ to", min: 0, max: 10, step: 0.1, value: 5 }),
    swap: select({ name: "swap", label: "Markers", options: swapOptions(task), value: "1-2" }),
  };
  root.controls = { experiment: controls.experiment, dataToken: controls.dataToken };
  const settingsOf: Record<ExperimentKind, HTMLElement[]> = {
    none: [],
    "shrink-delta": [controls.dataToken, controls.span, controls.shrink],
    "raise-delta": [controls.noisePosition, controls.raise],
    "zero-b": [controls.dataToken, controls.span],
    "swap-c": [controls.swap],
  };
  const tryThese = presets("Try", [
    { label: "forget a data token", values: { experiment: "shrink-delta", layers: "0", span: convWidth, shrink: 0 } },
    { label: "overwrite with noise", values: { experiment: "raise-delta", layers: "all", raise: 5 } },
    { label: "block the write (B = 0)", values: { experiment: "zero-b", layers: "0", span: convWidth } },
    { label: "swap the questions", values: { experiment: "swap-c", layers: "all" } },
  ], { experiment: controls.experiment, layers: controls.layers, span: controls.span, shrink: controls.shrink, raise: controls.raise });
  const settings = document.createElement("div");
  const note = Object.assign(document.createElement("p"), { className: "selectivity-status selectivity-error" });
  const status = Object.assign(document.createElement("p"), { className: "selectivity-status", textContent: "Running the experiment on your sequence and on 64 sequences with data at the same positions…" });
  status.dataset.runs = "0";
  status.setAttribute("role", "status");

  const strip = sequenceStrip(stripData(randomContext(task, 1), task));
  const answers = answerTable({ columns: [], symbol });
  const stateMap = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "channel", columnName: "token", valueName: "‖h‖", color: "sequential" });
  const experimentParams = () => Object.fromEntries(Object.entries(controls).map(([key, control]) => [key, control.value]));
  root.append(
    tryThese,
    controls.experiment,
    controls.layers,
    settings,
    note,
    figure(strip, { id: "perturbed-token", caption: "Where the experiment acts on your sequence (dashed).", params: () => ({ experiment: controls.experiment.value }) }),
    figure(answers, {
      id: "perturbation-answers",
      caption: "The selective model's answers before and after the experiment, and its accuracy on sequences with data at your positions.",
      data: () => ({ columns: ["marker", "expected", "condition", "answer", "probability"], rows: answers.data.columns.flatMap((c) => c.answers.map((a, i) => [i + 1, a.expected === undefined ? "" : symbol(a.expected), c.title, symbol(a.predicted), a.probabilities[a.predicted]])) }),
      params: experimentParams,
    }),
    figure(stateMap, { id: "perturbed-state", caption: "‖h_t‖ per channel after the experiment, in the first perturbed layer (the perturbed tokens boxed).", data: () => heatmapTable(stateMap.data, "channel", "token"), params: experimentParams }),
    status,
  );

  /** The experiment the controls describe, or why it cannot run on this context. */
  const current = (context: readonly number[]): Experiment | string => {
    const kind = controls.experiment.value as ExperimentKind;
    const layers = controls.layers.value === "all" ? model.layers.map((_l, i) => i) : [Number(controls.layers.value)];
    const [i, j] = controls.swap.value.split("-").map(Number);
    const positions = dataPositions(context, task);
    const position = kind === "raise-delta" ? controls.noisePosition.value : positions[controls.dataToken.value - 1];
    if ((kind === "shrink-delta" || kind === "zero-b") && position === undefined) return `Your sequence has ${positions.length} data tokens: pick one of 1–${positions.length}.`;
    if (kind === "raise-delta" && context[position] !== task.noiseToken) return `Position ${position} holds a data token, not noise: pick another position.`;
    return { kind, layers, position: position ?? 0, span: controls.span.value, shrink: controls.shrink.value, raiseTo: controls.raise.value, swap: [task.contextLength + i - 1, task.contextLength + j - 1] };
  };

  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      settings.replaceChildren(...settingsOf[controls.experiment.value as ExperimentKind]);
      const context = sequence.value;
      const experiment = current(context);
      note.textContent = typeof experiment === "string" ? experiment : "";
      if (typeof experiment === "string") return;
      const before = await onSequence(engine, model, task, context);
      const outcome = await perturbationOutcome(engine, model, task, context, experiment, before);
      const spanned = experiment.kind === "shrink-delta" || experiment.kind === "zero-b" ? experiment.span : 1;
      const targets = experiment.kind === "swap-c" ? [...experiment.swap] : experiment.kind === "none" ? [] : Array.from({ length: spanned }, (_, k) => experiment.position + k).filter((t) => t < context.length + task.dataCount);
      strip.update(stripData(context, task, targets));
      answers.update({ symbol, columns: [
        { title: "before", answers: outcome.before.answers, footer: `${percent(outcome.accuracyBefore)} right\non ${outcome.accuracyBefore.total / task.dataCount} sequences` },
        { title: "after", answers: outcome.after.answers, footer: `${percent(outcome.accuracyAfter)} right\non ${outcome.accuracyAfter.total / task.dataCount} sequences` },
      ] });
      const shownLayer = experiment.layers[0] ?? 0;
      stateMap.update(stateHeatmap(outcome.after.run.layers[shownLayer].states!, model, context.length + task.dataCount, targets));
      status.textContent = `Done on your sequence and ${outcome.accuracyAfter.total / task.dataCount} sequences with data at your positions.`;
      status.dataset.runs = String(Number(status.dataset.runs) + 1);
      root.value = outcome;
      root.dispatchEvent(new Event("input"));
    } catch (error) {
      note.textContent = `The experiment could not run: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  for (const control of Object.values(controls)) {
    control.addEventListener("input", (event) => {
      event.stopPropagation();
      void run();
    });
  }
  sequence.addEventListener("input", () => void run());
  void run();
  return root;
}
