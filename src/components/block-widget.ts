/**
 * The live block widget: a fresh Mamba block (official init, seeded: the reader can re-seed it, which a
 * trained model cannot offer) on the page's engine, an input sequence the reader edits, heatmaps of Δ,
 * B, C, A, h (one channel) and yGated, and the perturbation panel (perturb/). Every control change
 * schedules one update per animation frame; all figures are redrawn together when the run finishes,
 * original beside perturbed. Every tensor drawn comes from the engine's run (h too).
 */
import type { BlockRun, Engine } from "../engine/engine.js";
import { BACKEND_LABELS } from "../engine/engine.js";
import { initMambaBlock } from "../engine/init.js";
import { createRandom } from "../engine/random.js";
import type { MambaBlockWeights, Numbers } from "../engine/types.js";
import { heatmap, type CellRange, type HeatmapData, type HeatmapOptions } from "./charts/heatmap.js";
import type { Chart } from "./charts/chart.js";
import { select, slider, textInput } from "./controls.js";
import { figure } from "./figure.js";
import { finiteExtent } from "./charts/chart.js";
import { formatNumber } from "./format.js";
import { pageEngine } from "./page-engine.js";
import { clippedRange, isUnperturbed, type PerturbationState } from "./perturb/perturbation.js";
import { perturbationPanel } from "./perturb/perturbation-panel.js";
import { embedTokens, MAX_TOKENS, tokenize } from "./widget/word-tokens.js";

export interface BlockWidgetOptions {
  /** Seed of the block's weights and of the token embeddings. */
  seed?: number;
  /** d_model; channels = 2·d_model, state = 16 as in the official block. */
  dModel?: number;
  tokens?: string;
  /** Prefix of the URL parameters and figure ids; unique per page. */
  name?: string;
  /** An engine to use instead of the page's (tests, benchmarks). */
  engine?: Promise<Engine>;
}

const PRESET_SEQUENCES: Record<string, string> = {
  sentence: "the cat sat on the mat because it was warm",
  copy: "a b c d noise noise noise noise a b c d",
  induction: "Harry Potter went home . Then Harry Potter",
  repeat: "la la la la la la la la la la",
};

/** The figures of one widget, each a heatmap in a figure frame. */
interface Views {
  delta: Chart<HeatmapData>;
  B: Chart<HeatmapData>;
  C: Chart<HeatmapData>;
  A: Chart<HeatmapData>;
  hOriginal: Chart<HeatmapData>;
  hPerturbed: Chart<HeatmapData>;
  yOriginal: Chart<HeatmapData>;
  yPerturbed: Chart<HeatmapData>;
}

/** The widget element; `rendered` counts completed redraws and each fires "kit-widget-render" (detail: {ms}). */
export type BlockWidget = HTMLElement & { rendered: number };

export function blockWidget(options: BlockWidgetOptions = {}): BlockWidget {
  const name = options.name ?? "block";
  const dModel = options.dModel ?? 8;
  const channels = 2 * dModel;
  const root = document.createElement("section") as unknown as BlockWidget;
  root.className = "kit-widget";
  root.rendered = 0;
  root.setAttribute("data-sym-scope", "");

  const controls = {
    tokens: textInput({ name: `${name}-tokens`, label: "Input tokens (separated by spaces)", value: options.tokens ?? PRESET_SEQUENCES.sentence, maxLength: 200 }),
    seed: slider({ name: `${name}-seed`, label: "Seed of the fresh block", min: 1, max: 99, step: 1, value: options.seed ?? 1 }),
  };
  const panel = perturbationPanel({ name, channels, state: STATE, maxTokens: MAX_TOKENS });
  const presetPicker = select({ label: "Preset sequence", options: ["(typed)", ...Object.keys(PRESET_SEQUENCES)], value: "(typed)" });
  presetPicker.addEventListener("input", () => {
    const text = PRESET_SEQUENCES[presetPicker.value];
    if (text) controls.tokens.value = text;
  });
  const status = document.createElement("p");
  status.className = "kit-widget-status";
  status.setAttribute("role", "status");

  const views = createViews(name, channels, {
    onBrushRows: (first, last) => panel.setRange(first, last),
    onBRow: (token) => panel.toggleZeroB(token),
  });

  const inputGroup = group("Input", [controls.tokens, presetPicker, controls.seed]);
  root.append(inputGroup, panel, status, views.element);
  status.textContent = "Starting the engine: the figures appear once its kernels have passed their check against the float64 reference…";

  let weights: MambaBlockWeights | undefined;
  let weightsSeed = NaN;
  let original: { key: string; run: BlockRun } | undefined;
  let frame = 0;
  let running = false;
  let dirty = false;
  let requestedAt = 0;
  let engine: Engine | undefined;
  void (options.engine ?? pageEngine()).then((ready) => {
    engine = ready;
    // After a lost GPU the engine runs elsewhere: recompute everything there.
    ready.onBackendChange(() => {
      original = undefined;
      schedule();
    });
    schedule();
  });

  /** Coalesces any number of changes into one run at the next animation frame. */
  function schedule(): void {
    if (!requestedAt) requestedAt = performance.now();
    if (running) {
      dirty = true;
      return;
    }
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      void update();
    });
  }

  async function update(): Promise<void> {
    if (!engine) return;
    running = true;
    try {
      const { tokens, dropped } = tokenize(controls.tokens.value);
      if (tokens.length === 0) {
        status.textContent = "Type at least one token: the figures keep showing the last sequence.";
        return;
      }
      if (weightsSeed !== controls.seed.value || !weights) {
        // The old seed's weights leave the GPU: moving the seed must not pile up uploads.
        if (weights) engine.release(weights);
        weightsSeed = controls.seed.value;
        weights = initMambaBlock({ dModel, dInner: channels, dState: STATE, dtRank: Math.ceil(dModel / 16), convWidth: 4 }, createRandom(weightsSeed));
        original = undefined;
      }
      const length = tokens.length;
      const input = embedTokens(tokens, dModel, weightsSeed);
      const key = `${weightsSeed}|${tokens.join(" ")}`;
      if (original?.key !== key) original = { key, run: await engine.runBlock(weights, input, 1, length, { states: true }) };
      const state = panel.value;
      const perturbed = isUnperturbed(state) ? original.run : await engine.runBlock(weights, input, 1, length, { overrides: panel.overrides(length), states: true });
      // Everything below is synchronous: all figures change in the same frame.
      drawAll(views, tokens, channels, state, original.run, perturbed);
      const overflowing = Object.values(views).filter((view) => view.dataset.overflow).length;
      root.toggleAttribute("data-overflow", overflowing > 0);
      const ms = performance.now() - requestedAt;
      status.textContent = `Engine: ${BACKEND_LABELS[engine.backend]} · ${length} tokens × ${channels} channels × ${STATE} states · updated in ${formatNumber(ms, 2)} ms${dropped ? ` · ${dropped} tokens past ${MAX_TOKENS} ignored` : ""}${engine.lossNote ? ` · ${engine.lossNote}` : ""}${overflowing ? ` · ⚠ unstable: ${overflowing} figure${overflowing > 1 ? "s" : ""} overflowed (values past the float range are greyed out)` : ""}`;
      status.title = engine.reason;
      root.rendered++;
      root.dispatchEvent(new CustomEvent("kit-widget-render", { detail: { ms } }));
    } catch (error) {
      status.textContent = `The block could not run: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      requestedAt = 0;
      running = false;
      if (dirty) {
        dirty = false;
        schedule();
      }
    }
  }

  for (const control of [...Object.values(controls), panel]) control.addEventListener("input", schedule);
  return root;
}

function group(title: string, children: HTMLElement[]): HTMLElement {
  const fieldset = document.createElement("fieldset");
  fieldset.className = "kit-widget-group";
  const legend = document.createElement("legend");
  legend.textContent = title;
  fieldset.append(legend, ...children);
  return fieldset;
}

interface Hooks {
  onBrushRows: (first: number, last: number) => void;
  onBRow: (token: number) => void;
}

const EMPTY: HeatmapData = { values: [], rows: 0, columns: 0 };
/** The state size of the official block. */
const STATE = 16;

/** The eight heatmaps in their figure frames; original/perturbed pairs share a row. */
function createViews(name: string, channels: number, hooks: Hooks): Views & { element: HTMLElement } {
  const token = { rowName: "token" } as const;
  const make = (options: HeatmapOptions) => heatmap(EMPTY, options);
  const views: Views = {
    delta: make({ ...token, columnName: "channel", valueName: "Δ", color: "sequential", onBrushRows: hooks.onBrushRows, sym: "delta" }),
    B: make({ ...token, columnName: "state", valueName: "B", onCell: (row) => hooks.onBRow(row), sym: "b" }),
    C: make({ ...token, columnName: "state", valueName: "C", sym: "c" }),
    A: make({ rowName: "channel", columnName: "state", valueName: "A", color: "diverging" }),
    hOriginal: make({ ...token, columnName: "state", valueName: "h", sym: "h" }),
    hPerturbed: make({ ...token, columnName: "state", valueName: "h", sym: "h" }),
    yOriginal: make({ ...token, columnName: "channel", valueName: "y", sym: "y" }),
    yPerturbed: make({ ...token, columnName: "channel", valueName: "y", sym: "y" }),
  };
  const frame = (chart: Chart<HeatmapData>, id: string, caption: string) =>
    figure(chart, { id: `${name}-${id}`, caption, data: () => tableOf(chart) });
  const pair = (...figures: HTMLElement[]) => {
    const row = document.createElement("div");
    row.className = "kit-side-by-side";
    row.append(...figures);
    return row;
  };
  const element = document.createElement("div");
  element.className = "kit-widget-figures";
  element.append(
    frame(views.delta, "delta", "Δ per token and channel, after perturbation. Brush token rows to choose the perturbed range."),
    pair(frame(views.B, "b", "B per token (click a row to zero it)."), frame(views.C, "c", "C per token.")),
    frame(views.A, "a", "A = −exp(A_log) per channel and state (S4D-Real init: −1, −2, …, −16)."),
    pair(frame(views.hOriginal, "h-original", "State h of the chosen channel, original."), frame(views.hPerturbed, "h-perturbed", "State h of the chosen channel, perturbed.")),
    pair(frame(views.yOriginal, "y-original", "Output y ⊙ SiLU(z) per token and channel, original."), frame(views.yPerturbed, "y-perturbed", "The same, perturbed.")),
  );
  return { ...views, element };
}

/** The matrix a heatmap shows, as a (row, column, value) table for CSV/JSON export. */
function tableOf(chart: Chart<HeatmapData>): { columns: string[]; rows: number[][] } {
  const data = chart.data;
  const rows: number[][] = [];
  for (let r = 0; r < data.rows; r++) for (let c = 0; c < data.columns; c++) rows.push([r, c, data.values[r * data.columns + c]]);
  return { columns: ["row", "column", "value"], rows };
}

/** h of one channel, (length, state), from a run's states (batch 1). */
function channelOfStates(run: BlockRun, channels: number, channel: number): Float64Array {
  const states = run.states!;
  return Float64Array.from({ length: run.length * STATE }, (_, i) => states[(Math.floor(i / STATE) * channels + channel) * STATE + (i % STATE)]);
}

function drawAll(views: Views, tokens: string[], channels: number, state: PerturbationState, original: BlockRun, perturbed: BlockRun): void {
  const length = tokens.length;
  const [first, last] = clippedRange(state, length);
  const tokenRange = (columns: number): CellRange[] => (first <= last ? [{ rows: [first, last], columns: [0, columns - 1] }] : []);
  const matrix = (values: Numbers, columns: number, outlines: CellRange[] = []): HeatmapData => ({ values, rows: values.length / columns, columns, rowLabels: tokens, outlines });
  views.delta.update(matrix(perturbed.delta, channels, state.deltaScale !== 1 ? tokenRange(channels) : []));
  views.B.update(matrix(perturbed.B, STATE, [...state.zeroB].filter((t) => t < length).map((t) => ({ rows: [t, t], columns: [0, STATE - 1] }))));
  views.C.update(matrix(perturbed.C, STATE, state.cScale !== 1 ? tokenRange(STATE) : []));
  views.A.update({ values: perturbed.A, rows: channels, columns: STATE, outlines: state.aScale !== 1 ? [{ rows: [state.channel, state.channel], columns: [0, STATE - 1] }] : [] });
  const hOriginal = channelOfStates(original, channels, state.channel);
  const hPerturbed = channelOfStates(perturbed, channels, state.channel);
  // One colour domain per pair, so original and perturbed compare cell by cell.
  const pairDomain = (a: Numbers, b: Numbers): [number, number] => finiteExtent([...Array.from(a), ...Array.from(b)]);
  const hDomain = pairDomain(hOriginal, hPerturbed);
  views.hOriginal.update({ ...matrix(hOriginal, STATE), domain: hDomain });
  views.hPerturbed.update({ ...matrix(hPerturbed, STATE), domain: hDomain });
  const yDomain = pairDomain(original.yGated, perturbed.yGated);
  views.yOriginal.update({ ...matrix(original.yGated, channels), domain: yDomain });
  views.yPerturbed.update({ ...matrix(perturbed.yGated, channels), domain: yDomain });
}
