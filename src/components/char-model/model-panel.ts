/**
 * The live model panel: the site's trained character-level Mamba (data/models/char-selective) reading the
 * reader's text on the page's engine (page-engine.ts). One component, on the home page and every chapter:
 *   - the text (in the URL), shown as characters with the model's surprise at each, in bits;
 *   - the next character's most likely candidates after a chosen position;
 *   - "continue this text", streamed one character at a time through the recurrent step (decoding);
 *   - one layer and channel: Δ, B and C over the characters and the channel's A as decay rates;
 *   - the perturbation panel (perturb/), with the change in surprise and in the continuation;
 *   - the backend it runs on, and the verifier's largest difference from the float64 reference.
 * The panel's `value` (PanelReading) is what chapters' own figures draw from; it fires "input" after
 * every completed run.
 */
import type { CharModel } from "../../engine/char-lm.js";
import { sampleIndex, samplingDistribution } from "../../engine/char-lm.js";
import { BACKEND_LABELS, type Engine, type ModelRun } from "../../engine/engine.js";
import { createRandom } from "../../engine/random.js";
import type { ScanOverrides } from "../../engine/types.js";
import { barList } from "../charts/bar-list.js";
import { characterStrip, shownCharacter } from "../charts/character-strip.js";
import { heatmap } from "../charts/heatmap.js";
import { stemPlot } from "../charts/stem-plot.js";
import { select, slider, textInput } from "../controls.js";
import { figure } from "../figure.js";
import { formatNumber } from "../format.js";
import { pageEngine, verifyModelRun } from "../page-engine.js";
import { clippedRange, describePerturbation, isUnperturbed, type PerturbationState } from "../perturb/perturbation.js";
import { perturbationPanel, type PerturbationPanel } from "../perturb/perturbation-panel.js";
import { loadCharModelFiles, type CharModelFiles } from "./load.js";
import { channelA, characterSurprise, meanBits, probabilityOf, stateAfterRun, topNext, transposedWindow, type NextCharacter } from "./readout.js";
import { MAX_CHARACTERS, readerText, type ReaderText } from "./reader-text.js";

export interface ModelPanelOptions {
  /** Prefix of URL parameters and figure ids; unique on the site (e.g. "home", "continuous"). */
  name: string;
  /** The chapter's default sentence. */
  text: string;
  files: CharModelFiles;
  layer?: number;
  channel?: number;
  /** Also keep h after every token of the chosen layer (ModelRun.layers[layer].states). */
  states?: boolean;
  /** The engine; default the page's. */
  engine?: Promise<Engine>;
}

/** What the panel read last: the chapters' figures draw from this. */
export interface PanelReading {
  model: CharModel;
  engine: Engine;
  text: ReaderText;
  /** The run as computed. */
  run: ModelRun;
  /** The run with the reader's perturbation of the chosen layer; the same object as `run` when unperturbed. */
  perturbed: ModelRun;
  perturbation: PerturbationState;
  /** The overrides of `perturbed`, per layer. */
  overrides: (ScanOverrides | undefined)[];
  layer: number;
  channel: number;
  /** Surprise per character (bits), of `run` and of `perturbed`. */
  surprise: Float64Array;
  perturbedSurprise: Float64Array;
}

export type ModelPanel = HTMLElement & { value: PanelReading | undefined; runs: number; perturbation: PerturbationPanel };

/** Channels shown at once in the Δ heatmap: the chosen one and its neighbours. */
const CHANNEL_WINDOW = 32;
const NEXT_SHOWN = 8;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

export function modelPanel(options: ModelPanelOptions): ModelPanel {
  const { name } = options;
  const root = element("section", "kit-model-panel") as unknown as ModelPanel;
  root.runs = 0;
  root.value = undefined;
  root.dataset.role = "model-panel";

  const progress = element("progress", "kit-model-progress") as HTMLProgressElement;
  const progressLine = element("p", "kit-widget-status", "Loading the character model (3.6 MB of weights)…");
  progressLine.prepend(progress);
  const textBox = textInput({ name: `${name}-text`, label: `Your text (up to ${MAX_CHARACTERS} characters are read)`, value: options.text, maxLength: 4 * MAX_CHARACTERS });
  const note = element("p", "kit-widget-note kit-model-note");
  note.setAttribute("role", "status");
  const status = element("p", "kit-widget-status");
  status.setAttribute("role", "status");
  status.dataset.role = "model-status";
  const verification = element("p", "kit-widget-status kit-verification");
  verification.dataset.role = "verification";

  // ---- what the model expects ----
  let selected = -1;
  const surpriseStrip = characterStrip({ characters: [], values: [] }, { valueName: "surprise", unit: "bits", domain: [0, 8], onSelect: (t) => choose(t) });
  const surpriseCaption = element("span", "", "The model's surprise at each character of your text, −log₂ p(character | everything before it), in bits. Click a character to see what the model expected there.");
  const surpriseFigure = figure(surpriseStrip, {
    id: `${name}-surprise`,
    caption: surpriseCaption,
    data: () => ({ columns: ["position", "character", "surprise_bits", "perturbed_bits"], rows: (root.value?.text.characters ?? []).map((c, t) => [t, c, root.value!.surprise[t], root.value!.perturbedSurprise[t]]) }),
    params: () => ({ text: textBox.value }),
  });
  const nextList = barList({ labels: [], values: [] }, { max: 1 });
  const nextCaption = element("span");
  const nextFigure = figure(nextList, {
    id: `${name}-next`,
    caption: nextCaption,
    data: () => ({ columns: ["character", "probability", "perturbed_probability"], rows: nextList.data.labels.map((label, i) => [label, nextList.data.values[i], nextList.data.compare?.[i] ?? nextList.data.values[i]]) }),
    params: () => ({ text: textBox.value, position: selected }),
  });

  // ---- continue this text ----
  const temperatureInput = slider({ name: `${name}-temperature`, label: "Temperature", min: 0.1, max: 2, step: 0.05, value: 0.8 });
  const seedInput = slider({ name: `${name}-seed`, label: "Seed", min: 0, max: 999, step: 1, value: 1 });
  const lengthInput = slider({ name: `${name}-chars`, label: "Characters to generate", min: 10, max: 400, step: 10, value: 120 });
  const generateButton = Object.assign(element("button", "kit-generate", "Continue this text"), { type: "button" });
  const stopButton = Object.assign(element("button", "", "Stop"), { type: "button", disabled: true });
  const continuation = element("div", "kit-continuation");
  const continuationOriginal = element("pre", "kit-continuation-text");
  continuationOriginal.dataset.role = "continuation";
  const continuationPerturbed = element("pre", "kit-continuation-text");
  continuationPerturbed.dataset.role = "continuation-perturbed";
  const continuationStatus = element("p", "kit-widget-status");
  continuationStatus.dataset.role = "continuation-status";
  continuation.append(continuationOriginal, continuationPerturbed);
  const generation = element("fieldset", "kit-widget-group");
  generation.append(Object.assign(element("legend"), { textContent: "Continue this text" }), temperatureInput, seedInput, lengthInput, generateButton, stopButton, continuationStatus, continuation);

  // ---- one layer and channel ----
  const layerInput = select({ name: `${name}-layer`, label: "Layer", value: String(options.layer ?? 0), options: ["0", "1", "2", "3"].map((value) => ({ value, label: `layer ${Number(value) + 1}` })) });
  const channelInput = slider({ name: `${name}-channel`, label: "Channel", min: 0, max: 511, step: 1, value: options.channel ?? 0 });
  const deltaMap = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "channel", columnName: "character", valueName: "Δ", color: "sequential", onBrushColumns: (first, last) => panel.setRange(first, last), sym: "delta" });
  const deltaCaption = element("span");
  const deltaFigure = figure(deltaMap, { id: `${name}-delta`, caption: deltaCaption, data: () => matrixTable(deltaMap.data), params: () => ({ text: textBox.value, layer: layerInput.value, channel: channelInput.value }) });
  const bMap = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "state n", columnName: "character", valueName: "B", onCell: (_n, t) => panel.toggleZeroB(t), sym: "b" });
  const cMap = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "state n", columnName: "character", valueName: "C", sym: "c" });
  const bFigure = figure(bMap, { id: `${name}-b`, caption: "B_t over your characters (state × character), after the perturbation: what each character writes into the state. Click a column to set B to 0 at that character.", data: () => matrixTable(bMap.data), params: () => ({ text: textBox.value, layer: layerInput.value }) });
  const cFigure = figure(cMap, { id: `${name}-c`, caption: "C_t over your characters (state × character), after the perturbation: how each character reads the state out.", data: () => matrixTable(cMap.data), params: () => ({ text: textBox.value, layer: layerInput.value }) });
  const aPlot = stemPlot({ values: [] }, { xLabel: "state n", yLabel: "decay rate −A[c, n] (per unit of Δ)", height: 200 });
  const aCaption = element("span");
  const aFigure = figure(aPlot, { id: `${name}-a`, caption: aCaption, data: () => ({ columns: ["state", "decay_rate", "time_constant"], rows: Array.from(aPlot.data.values, (rate, n) => [n, rate, 1 / rate]) }), params: () => ({ layer: layerInput.value, channel: channelInput.value }) });
  const panel = perturbationPanel({ name: `${name}-perturb`, channels: 512, state: 16, maxTokens: MAX_CHARACTERS, tokenWord: "character", channelPicker: channelInput });
  root.perturbation = panel;
  const inside = element("details", "kit-model-inside");
  inside.open = true;
  inside.append(Object.assign(element("summary"), { textContent: "Inside: Δ, A, B and C of one layer, and a perturbation" }), layerInput, channelInput, deltaFigure, aFigure, panel, bFigure, cFigure);

  root.append(progressLine, textBox, note, status, verification, surpriseFigure, nextFigure, generation, inside);

  let model: CharModel | undefined;
  let engine: Engine | undefined;
  let original: { key: string; text: ReaderText; run: ModelRun } | undefined;
  let verifiedKey = "";
  let running = false;
  let dirty = false;
  let frame = 0;

  const choose = (t: number) => {
    selected = t;
    if (root.value) drawNext(root.value);
    if (root.value) surpriseStrip.update({ ...surpriseStrip.data, selected: t });
  };

  const schedule = () => {
    if (running) {
      dirty = true;
      return;
    }
    if (!frame) frame = requestAnimationFrame(() => ((frame = 0), void update()));
  };

  async function update(): Promise<void> {
    if (!model || !engine) return;
    running = true;
    const started = performance.now();
    try {
      const read = readerText(model, textBox.value);
      if ("empty" in read) {
        note.textContent = `${read.note} The figures keep the last text.`;
        return;
      }
      note.textContent = read.note ?? "";
      const layer = Number(layerInput.value);
      const key = read.ids.join(",");
      const statesOf = options.states ? [layer] : undefined;
      if (original?.key !== `${key}|${statesOf}`) original = { key: `${key}|${statesOf}`, text: read, run: await engine.runModel(model.model, [read.ids], { statesOf }) };
      const perturbation = panel.value;
      const overrides = model.model.layers.map((_l, i) => (i === layer && !isUnperturbed(perturbation) ? panel.overrides(read.ids.length) : undefined));
      const perturbed = isUnperturbed(perturbation) ? original.run : await engine.runModel(model.model, [read.ids], { overrides, statesOf });
      const surprise = characterSurprise(original.run, read.ids);
      const reading: PanelReading = {
        model,
        engine,
        text: read,
        run: original.run,
        perturbed,
        perturbation,
        overrides,
        layer,
        channel: channelInput.value,
        surprise,
        perturbedSurprise: perturbed === original.run ? surprise : characterSurprise(perturbed, read.ids),
      };
      if (selected < 0 || selected >= read.characters.length) selected = Math.max(0, read.characters.length - 1);
      draw(reading);
      root.value = reading;
      root.runs++;
      root.dataset.runs = String(root.runs);
      const ms = performance.now() - started;
      status.textContent = `${BACKEND_LABELS[engine.backend]} · ${read.characters.length} characters through ${model.model.config.numLayers} layers in ${formatNumber(ms, 3)} ms · bits per character ${formatNumber(meanBits(surprise), 3)}${perturbed === original.run ? "" : ` → ${formatNumber(meanBits(reading.perturbedSurprise), 3)} perturbed`}${engine.lossNote ? ` · ${engine.lossNote}` : ""}`;
      status.title = engine.reason;
      root.dispatchEvent(new Event("input", { bubbles: false }));
      root.dispatchEvent(new CustomEvent("model-panel-render", { detail: { ms } }));
      if (verifiedKey !== key) {
        verifiedKey = key;
        void verify(model, read, original.run);
      }
    } catch (error) {
      status.textContent = `The model could not run: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      running = false;
      if (dirty) {
        dirty = false;
        schedule();
      }
    }
  }

  /** The verifier's line: once per text, after the figures are drawn. */
  async function verify(charModel: CharModel, read: ReaderText, run: ModelRun): Promise<void> {
    verification.textContent = "Checking this run against the float64 reference…";
    try {
      const difference = await verifyModelRun(charModel.model, [read.ids], { statesOf: run.layers.flatMap((layer, i) => (layer.states ? [i] : [])) }, run);
      if (read.ids.join(",") !== original?.text.ids.join(",")) return;
      verification.dataset.relative = difference ? String(difference.relative) : "";
      verification.textContent = difference
        ? `Checked against the float64 reference on this text: largest relative difference ${formatNumber(difference.relative, 2)} (${difference.field}${difference.layer === undefined ? "" : ` of layer ${difference.layer + 1}`}), every tensor of every layer compared.`
        : "This page runs the float64 reference itself: nothing to check against.";
    } catch (error) {
      verification.textContent = `The check against the float64 reference could not run: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  function draw(reading: PanelReading): void {
    const { text, run, perturbed, perturbation, layer, channel } = reading;
    const length = text.characters.length;
    const perturbedRun = perturbed !== run;
    const [first, last] = clippedRange(perturbation, length + 1);
    const marked = isUnperturbed(perturbation) ? [] : range(Math.max(0, first - 1), Math.min(length - 1, last - 1));
    surpriseStrip.update({ characters: text.characters, values: reading.surprise, compare: perturbedRun ? reading.perturbedSurprise : undefined, selected, flagged: text.unknown, marked });
    surpriseCaption.textContent = `The model's surprise at each character of your text, −log₂ p(character | everything before it), in bits: ${formatNumber(meanBits(reading.surprise), 3)} bits per character${perturbedRun ? `, ${formatNumber(meanBits(reading.perturbedSurprise), 3)} with the perturbation (${describePerturbation(perturbation, (t) => labelOf(text, t), length + 1)}; the thin right bar of each character)` : ""}. Click a character to see what the model expected there.`;
    drawNext(reading);
    const layerRun = perturbed.layers[layer];
    const channels = layerRun.A.length / 16;
    const windowStart = Math.min(channels - CHANNEL_WINDOW, Math.floor(channel / CHANNEL_WINDOW) * CHANNEL_WINDOW);
    const columnLabels = ["start", ...text.characters.map(shownCharacter)];
    deltaMap.update({
      values: transposedWindow(layerRun.delta, length + 1, channels, windowStart, CHANNEL_WINDOW),
      rows: CHANNEL_WINDOW,
      columns: length + 1,
      rowLabels: range(windowStart, windowStart + CHANNEL_WINDOW - 1).map(String),
      columnLabels,
      outlines: [{ rows: [channel - windowStart, channel - windowStart], columns: [0, length] }, ...(perturbation.deltaScale !== 1 && first <= last ? [{ rows: [0, CHANNEL_WINDOW - 1] as [number, number], columns: [first, last] as [number, number] }] : [])],
    });
    deltaCaption.textContent = `Δ_t of channels ${windowStart}–${windowStart + CHANNEL_WINDOW - 1} of layer ${layer + 1} over your characters (the first column is the start-of-text character the model reads first); channel ${channel} is outlined. Large Δ: this character resets the state and is written in; small Δ: the state passes it by. Brush across columns to choose the perturbed characters.`;
    const stateMatrix = (values: ArrayLike<number>) => transposedWindow(Float64Array.from(values), length + 1, 16, 0, 16);
    const zeroed = [...perturbation.zeroB].filter((t) => t <= length);
    bMap.update({ values: stateMatrix(layerRun.B), rows: 16, columns: length + 1, columnLabels, outlines: zeroed.map((t) => ({ rows: [0, 15] as [number, number], columns: [t, t] as [number, number] })) });
    cMap.update({ values: stateMatrix(layerRun.C), rows: 16, columns: length + 1, columnLabels, outlines: perturbation.cScale !== 1 && first <= last ? [{ rows: [0, 15], columns: [first, last] }] : [] });
    const rates = channelA(layerRun, channel).map((a) => -a);
    aPlot.update({ values: rates });
    const constants = Array.from(rates, (rate) => 1 / rate);
    aCaption.textContent = `The poles of channel ${channel} in layer ${layer + 1}: decay rates −A[c, n] for its ${rates.length} states${perturbation.aScale !== 1 && perturbation.channel === channel ? ` (scaled ×${perturbation.aScale})` : ""}. Per unit of Δ a state keeps exp(−rate) of itself: time constants from ${formatNumber(Math.min(...constants), 3)} to ${formatNumber(Math.max(...constants), 3)} units of Δ.`;
  }

  function drawNext(reading: PanelReading): void {
    if (!model) return;
    const position = Math.min(selected, reading.text.characters.length - 1);
    const candidates: NextCharacter[] = topNext(reading.run, model.tokenizer, position, NEXT_SHOWN);
    const perturbedCandidates = reading.perturbed === reading.run ? undefined : candidates.map((candidate) => ({ ...candidate, probability: probabilityOf(reading.perturbed, position, candidate.id) }));
    const actual = reading.text.ids[position + 1];
    nextList.update({
      labels: candidates.map((candidate) => JSON.stringify(candidate.character)),
      values: candidates.map((candidate) => candidate.probability),
      compare: perturbedCandidates?.map((candidate) => candidate.probability),
      highlighted: candidates.flatMap((candidate, i) => (candidate.id === actual ? [i] : [])),
    });
    nextCaption.textContent = `After “${reading.text.characters.slice(Math.max(0, position - 15), position).join("")}”, at position ${position}: the ${NEXT_SHOWN} characters the model finds most likely${perturbedCandidates ? " (lower bars: with the perturbation)" : ""}; the one your text has next, ${JSON.stringify(reading.text.characters[position])}, is highlighted when it is among them.`;
  }

  // ---- generation ----
  let generating: { stop: boolean } | undefined;
  async function generate(): Promise<void> {
    const reading = root.value;
    if (!reading || !model || !engine) return;
    if (generating) generating.stop = true;
    const job = { stop: false };
    generating = job;
    generateButton.disabled = true;
    stopButton.disabled = false;
    const runs: { run: ModelRun; output: HTMLElement }[] = [{ run: reading.run, output: continuationOriginal }];
    if (reading.perturbed !== reading.run) runs.push({ run: reading.perturbed, output: continuationPerturbed });
    continuationPerturbed.hidden = runs.length === 1;
    const decoders = runs.map(({ run }) => {
      const decoder = engine!.decoder(model!.model);
      decoder.reset(stateAfterRun(run), run.length);
      return decoder;
    });
    const random = runs.map(() => createRandom(seedInput.value));
    const logits = runs.map(({ run }) => run.logits.slice((run.length - 1) * run.vocab, run.length * run.vocab));
    const texts = runs.map(() => "");
    runs.forEach(({ output }) => (output.textContent = ""));
    const started = performance.now();
    let produced = 0;
    try {
      for (let k = 0; k < lengthInput.value && !job.stop; k++) {
        for (let i = 0; i < runs.length; i++) {
          const distribution = samplingDistribution(logits[i], { temperature: temperatureInput.value });
          const id = sampleIndex(distribution, random[i].uniform());
          texts[i] += model.tokenizer.token(id);
          logits[i] = Float64Array.from(await decoders[i].step(id));
        }
        produced++;
        runs.forEach(({ output }, i) => (output.textContent = `${i === 0 ? (runs.length > 1 ? "original: " : "") : "perturbed: "}…${reading.text.characters.slice(-24).join("")}⟶${texts[i]}`));
        const perCharacter = (performance.now() - started) / produced;
        continuationStatus.textContent = `${produced} characters in ${formatNumber(performance.now() - started, 3)} ms: ${formatNumber(perCharacter / runs.length, 3)} ms per character on ${BACKEND_LABELS[engine.backend]}, through the recurrent step (constant-size state, seed ${seedInput.value}, temperature ${temperatureInput.value})${runs.length > 1 ? "; the perturbed one continues from the state the perturbed scan left, reading its own characters unperturbed" : ""}.`;
      }
      root.dataset.generated = texts[0];
      root.dispatchEvent(new CustomEvent("model-panel-generated", { detail: { text: texts[0], perturbed: texts[1] } }));
    } catch (error) {
      continuationStatus.textContent = `Generation stopped: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      decoders.forEach((decoder) => decoder.dispose());
      generateButton.disabled = false;
      stopButton.disabled = true;
    }
  }
  generateButton.addEventListener("click", () => void generate());
  stopButton.addEventListener("click", () => {
    if (generating) generating.stop = true;
  });

  for (const control of [textBox, layerInput, panel]) control.addEventListener("input", schedule);
  channelInput.addEventListener("input", schedule);

  void (async () => {
    try {
      [model, engine] = await Promise.all([
        loadCharModelFiles(options.files, (received, total) => {
          progress.max = total || 3_558_576;
          progress.value = received;
        }),
        options.engine ?? pageEngine(),
      ]);
      progressLine.remove();
      engine.onBackendChange(() => {
        original = undefined;
        schedule();
      });
      schedule();
    } catch (error) {
      progressLine.textContent = `The character model could not load: ${error instanceof Error ? error.message : String(error)}`;
    }
  })();
  return root;
}

function range(first: number, last: number): number[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

/** How a perturbation names position t of the run (0 = the start character). */
function labelOf(text: ReaderText, t: number): string {
  return t === 0 ? "the start" : `“${shownCharacter(text.characters[t - 1] ?? "")}” (${t - 1})`;
}

function matrixTable(data: { values: ArrayLike<number>; rows: number; columns: number }): { columns: string[]; rows: number[][] } {
  const rows: number[][] = [];
  for (let r = 0; r < data.rows; r++) for (let c = 0; c < data.columns; c++) rows.push([r, c, data.values[r * data.columns + c]]);
  return { columns: ["row", "column", "value"], rows };
}

/**
 * The panel's readings as an async generator, for a page cell (`const reading = panelReadings(panel)`):
 * cells that use it wait for the model's first run, then re-run after every later one.
 */
export async function* panelReadings(panel: ModelPanel): AsyncGenerator<PanelReading> {
  let version = 0;
  let wake: (() => void) | undefined;
  const changed = () => {
    version++;
    wake?.();
  };
  panel.addEventListener("input", changed);
  try {
    let last: PanelReading | undefined;
    for (;;) {
      const seen = version;
      if (panel.value && panel.value !== last) {
        last = panel.value;
        yield last;
      }
      if (version === seen) await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    panel.removeEventListener("input", changed);
  }
}
