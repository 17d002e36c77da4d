/**
 * "Load your own checkpoint": a drop zone and file pickers for a HuggingFace Mamba folder, then the
 * chosen layer's Δ, A, B, C on the reader's token ids, perturbed with the perturbation panel, and how
 * far every position's logits move. The model runs on the page's engine; files are read in this tab
 * and never sent anywhere.
 */
import { BACKEND_LABELS, type Engine, type ModelRun } from "../../engine/engine.js";
import { logitDistancePerPosition } from "../../engine/state-patching.js";
import { heatmap } from "../charts/heatmap.js";
import { linePlot } from "../charts/line-plot.js";
import { select, slider, textInput } from "../controls.js";
import { figure } from "../figure.js";
import { formatNumber } from "../format.js";
import { perturbationPanel, type PerturbationPanel } from "../perturb/perturbation-panel.js";
import { filesFromDrop, readCheckpoint, type LoadedCheckpoint, type PickedFile } from "./checkpoint-files.js";
import { argmaxRows, errorMessage, parseTokenIds } from "./tokens.js";
import { isUnperturbed } from "../perturb/perturbation.js";
import type { MambaModel } from "../../engine/types.js";
import { withScrollCue } from "../scroll-cue.js";

/** Channels drawn in the Δ heatmap; wider models show the first ones (the read-out names them). */
const MAX_CHANNELS_SHOWN = 256;
const MAX_LAYER = 63;

/** Positions per table of the predictions (tables wrap onto new lines). */
const POSITIONS_PER_TABLE = 16;

export type CheckpointExplorer = HTMLElement & { runs: number; loaded: LoadedCheckpoint };

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** The longest id sequence the explorer runs. */
const MAX_IDS = 512;

export function checkpointExplorer(engine: Engine, initial: LoadedCheckpoint, initialIds: readonly number[]): CheckpointExplorer {
  const root = element("div", "mb-explorer") as unknown as CheckpointExplorer;
  root.runs = 0;
  root.loaded = initial;
  let original: { key: string; model: MambaModel; run: ModelRun } | undefined;

  // ---- picking files ----
  const drop = element("div", "mb-drop");
  drop.append(element("p", "", "Drop a Mamba checkpoint folder here (config.json + model.safetensors, tokenizer.json optional), or pick it: "));
  const filesInput = Object.assign(element("input"), { type: "file", multiple: true, accept: ".json,.safetensors" });
  filesInput.dataset.role = "checkpoint-files";
  const folderInput = Object.assign(element("input"), { type: "file", multiple: true });
  folderInput.setAttribute("webkitdirectory", "");
  folderInput.dataset.role = "checkpoint-folder";
  const filesLabel = element("label", "", "files");
  filesLabel.append(filesInput);
  const folderLabel = element("label", "", "a folder");
  folderLabel.append(folderInput);
  const defaultButton = Object.assign(element("button", "", `Back to ${initial.label}`), { type: "button" });
  drop.append(filesLabel, folderLabel, defaultButton);
  const status = element("p", "mb-status");
  status.setAttribute("role", "status");
  const summary = element("p", "mb-status");
  summary.dataset.role = "checkpoint-summary";

  // ---- controls ----
  const tokensInput = textInput({ name: "ckpt-tokens", label: "Token ids (space-separated)", value: initialIds.join(" "), maxLength: 600 });
  const textBox = textInput({ name: "ckpt-text", label: "…or text (with a tokenizer.json)", value: "", maxLength: 400 });
  textBox.addEventListener("input", (event) => {
    // Typing text only rewrites the ids; the ids box then drives the run like any edit.
    event.stopPropagation();
    const tokenizer = root.loaded.tokenizer;
    if (!tokenizer) return show("This checkpoint came without a tokenizer.json: type token ids instead.", "error");
    try {
      const ids = tokenizer.encode(textBox.value);
      if (ids.length > 0) tokensInput.value = ids.join(" ");
    } catch (error) {
      show(errorMessage(error), "error");
    }
  });
  const layerInput = slider({ name: "ckpt-layer", label: "Layer", min: 0, max: MAX_LAYER, step: 1, value: 0 });
  const tensorInput = select({
    name: "ckpt-tensor",
    label: "Show",
    value: "delta",
    options: [
      { value: "delta", label: "Δ (token × channel)" },
      { value: "B", label: "B (token × state)" },
      { value: "C", label: "C (token × state)" },
      { value: "A", label: "A (channel × state)" },
    ],
  });
  const controls = element("div", "mb-controls");
  controls.append(tokensInput, textBox, layerInput, tensorInput);
  // The panel is sized by the loaded model (its channels and state); a new checkpoint gets a new panel.
  let panel: PerturbationPanel = makePanel(initial);
  function makePanel(loaded: LoadedCheckpoint): PerturbationPanel {
    const { dInner, dState } = loaded.model.config;
    const made = perturbationPanel({ name: "ckpt", channels: dInner, state: dState, maxTokens: MAX_IDS, range: [0, 3] });
    made.addEventListener("input", () => schedule());
    return made;
  }

  // ---- figures ----
  const tensorMap = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "token", columnName: "channel", valueName: "Δ", color: "sequential" });
  const tensorCaption = element("span");
  const tensorFigure = figure(tensorMap, {
    id: "checkpoint-scan-inputs",
    caption: tensorCaption,
    data: () => matrixTable(tensorMap.data.values, tensorMap.data.rows, tensorMap.data.columns),
    params: () => ({ layer: layerInput.value, tensor: tensorInput.value, ...perturbationParams() }),
  });
  const effectPlot = linePlot([], { xLabel: "token position", yLabel: "‖logits change‖", points: true, height: 220 });
  let effect: Float64Array = new Float64Array();
  const effectFigure = figure(effectPlot, {
    id: "checkpoint-logit-change",
    caption: "How far each position's logits move under the perturbation (‖perturbed − original‖₂), computed on the GPU engine. A perturbation at token t can only move positions t and later.",
    data: () => ({ columns: ["position", "logit_change"], rows: Array.from(effect, (v, t) => [t, v]) }),
    params: () => ({ layer: layerInput.value, ...perturbationParams() }),
  });
  const predictions = element("div", "mb-scroll mb-table-wrap");
  predictions.dataset.role = "checkpoint-predictions";

  const perturbationParams = () => ({ from: panel.value.range[0], to: panel.value.range[1], dscale: panel.value.deltaScale, cscale: panel.value.cScale, channel: panel.value.channel, ascale: panel.value.aScale, zerob: [...panel.value.zeroB].join(" ") });
  root.append(drop, status, summary, controls, panel, tensorFigure, effectFigure, withScrollCue(predictions));

  const show = (text: string, kind: "ok" | "error" | "busy") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  const describe = (loaded: LoadedCheckpoint) => {
    const c = loaded.model.config;
    summary.textContent = `${loaded.label}: ${c.numLayers} layers, d_model ${c.dModel}, channels ${c.dInner}, state ${c.dState}, vocabulary ${c.vocabSize}, ${formatNumber(loaded.weightsBytes / 1024 / 1024)} MB of weights${loaded.tokenizer ? ", with its tokenizer (type text below)" : ""}.`;
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
      const { model } = root.loaded;
      const ids = parseTokenIds(tokensInput.value, model.config.vocabSize, MAX_IDS);
      const layer = Math.min(layerInput.value, model.config.numLayers - 1);
      const key = ids.join(",");
      // A run in flight when the reader loads another checkpoint finishes on the old model: the key names both.
      if (original?.key !== key || original.model !== model) original = { key, model, run: await engine.runModel(model, [ids]) };
      const perturbation = panel.value;
      const changed = !isUnperturbed(perturbation);
      const overrides = model.layers.map((_l, i) => (i === layer && changed ? panel.overrides(ids.length) : undefined));
      const perturbed = changed ? await engine.runModel(model, [ids], { overrides }) : original.run;
      draw(ids, layer, perturbed);
      root.runs += 1;
      root.dataset.runs = String(root.runs);
      const note = layerInput.value > layer ? ` (this model has ${model.config.numLayers} layers: showing layer ${layer})` : "";
      show(`Ran ${ids.length} tokens through ${model.config.numLayers} layers on ${BACKEND_LABELS[engine.backend]}${note}.`, "ok");
    } catch (error) {
      show(errorMessage(error), "error");
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };

  const draw = (ids: number[], layer: number, perturbed: ModelRun) => {
    const { model } = root.loaded;
    const { dInner, dState, vocabSize } = model.config;
    const L = ids.length;
    const kind = tensorInput.value;
    const tokenizer = root.loaded.tokenizer;
    const rowLabels = ids.map((id, t) => `${t}: ${tokenizer ? JSON.stringify(tokenizer.decodeToken(id)) : id}`);
    const layerTensors = perturbed.layers[layer];
    const [from, to] = [Math.min(...panel.value.range), Math.max(...panel.value.range)];
    if (kind === "A") {
      const rows = Math.min(dInner, MAX_CHANNELS_SHOWN);
      tensorMap.update({ values: layerTensors.A.subarray(0, rows * dState), rows, columns: dState });
      tensorCaption.textContent = `A = −exp(A_log) of layer ${layer} (channels × state${rows < dInner ? `, channels 0–${rows - 1} of ${dInner}` : ""}), after the perturbation. A is a weight: it does not depend on the tokens.`;
    } else if (kind === "delta") {
      const columns = Math.min(dInner, MAX_CHANNELS_SHOWN);
      const values = new Float64Array(L * columns);
      for (let t = 0; t < L; t++) for (let c = 0; c < columns; c++) values[t * columns + c] = layerTensors.delta[t * dInner + c];
      tensorMap.update({ values, rows: L, columns, rowLabels, outlines: [{ rows: [Math.min(from, L - 1), Math.min(to, L - 1)], columns: [0, columns - 1] }] });
      tensorCaption.textContent = `Δ of layer ${layer} (token × channel${columns < dInner ? `, channels 0–${columns - 1} of ${dInner}` : ""}) after the perturbation; the dashed box marks the perturbed tokens.`;
    } else {
      const values = kind === "B" ? layerTensors.B : layerTensors.C;
      tensorMap.update({ values, rows: L, columns: dState, rowLabels, outlines: [{ rows: [Math.min(from, L - 1), Math.min(to, L - 1)], columns: [0, dState - 1] }] });
      tensorCaption.textContent = `${kind} of layer ${layer} (token × state) after the perturbation; the dashed box marks the perturbed tokens.`;
    }
    effect = logitDistancePerPosition(Float64Array.from(perturbed.logits), Float64Array.from(original!.run.logits), vocabSize);
    effectPlot.update([{ name: "logit change", x: effect.map((_v, t) => t), y: effect }]);
    const before = argmaxRows(original!.run.logits, vocabSize);
    const after = argmaxRows(perturbed.logits, vocabSize);
    // One table per POSITIONS_PER_TABLE positions, wrapping onto new lines: a long sequence stays in the column.
    const tables = Array.from({ length: Math.ceil(ids.length / POSITIONS_PER_TABLE) }, (_chunk, chunk) => {
      const from = chunk * POSITIONS_PER_TABLE;
      const to = Math.min(ids.length, from + POSITIONS_PER_TABLE);
      const table = element("table", "mb-table");
      const addRow = (head: string, cells: (string | number)[]) => {
        const tr = element("tr");
        tr.append(element("th", "", head), ...cells.slice(from, to).map((cell) => element("td", "", String(cell))));
        table.append(tr);
      };
      addRow("position", ids.map((_id, t) => t));
      addRow("token id", ids);
      addRow("next id (original)", before);
      addRow("next id (perturbed)", after);
      return table;
    });
    predictions.replaceChildren(...tables);
  };

  let frame = 0;
  const schedule = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => void run());
  };
  controls.addEventListener("input", schedule);

  const load = async (files: readonly PickedFile[], label: string) => {
    show(`Reading ${label}…`, "busy");
    try {
      const loaded = await readCheckpoint(files, label);
      replaceModel(loaded);
      show(`Loaded ${label}.`, "ok");
    } catch (error) {
      // The previous model stays loaded and keeps working.
      show(`Could not load ${label}: ${errorMessage(error)}. The previous model (${root.loaded.label}) is still loaded.`, "error");
      return;
    }
    schedule();
  };

  const replaceModel = (loaded: LoadedCheckpoint) => {
    // The old checkpoint's weights leave the GPU; a larger one would not fit beside it.
    engine.release(root.loaded.model);
    original = undefined;
    if (loaded.model.config.dInner !== root.loaded.model.config.dInner || loaded.model.config.dState !== root.loaded.model.config.dState) {
      const next = makePanel(loaded);
      panel.replaceWith(next);
      panel = next;
    }
    root.loaded = loaded;
    describe(loaded);
    const vocab = loaded.model.config.vocabSize;
    const ids = tokensInput.value.split(/[\s,]+/).filter(Boolean).map(Number);
    if (ids.some((id) => !(id < vocab))) tokensInput.value = ids.map((id) => id % vocab).join(" ");
  };

  filesInput.addEventListener("change", () => void load(Array.from(filesInput.files ?? []), "the picked files"));
  folderInput.addEventListener("change", () => {
    const files = Array.from(folderInput.files ?? []);
    const folder = files[0]?.webkitRelativePath.split("/")[0];
    void load(files, folder ? `folder ${folder}` : "the picked folder");
  });
  defaultButton.addEventListener("click", () => {
    replaceModel(initial);
    show(`Back to ${initial.label}.`, "ok");
    schedule();
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("mb-drag");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("mb-drag"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("mb-drag");
    if (!event.dataTransfer) return;
    filesFromDrop(event.dataTransfer).then(({ files, label }) => load(files, label), (error) => show(`Could not read the drop: ${errorMessage(error)}`, "error"));
  });

  describe(initial);
  schedule();
  return root;
}

function matrixTable(values: ArrayLike<number>, rows: number, columns: number): { columns: string[]; rows: number[][] } {
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out.push([r, c, values[r * columns + c]]);
  return { columns: ["row", "column", "value"], rows: out };
}
