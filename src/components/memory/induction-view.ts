/**
 * One induction sequence through a Mamba model on the page's engine (with h at every token of every layer): Δ at
 * every position, the state's size as the sequence goes on, the state just before the answer, and the answer's
 * probabilities. Layer tensors are token-major (length, dInner), h is (length, dInner, dState) (src/engine/engine.ts).
 */
import type { Engine } from "../../engine/engine.js";
import { inductionSequence, type InductionHeadsSettings } from "../../engine/tasks/induction-heads.js";
import type { MambaModel } from "../../engine/types.js";
import type { HeatmapData } from "../charts/heatmap.js";
import type { Series } from "../charts/line-plot.js";
import type { DataTable } from "../format.js";

export interface InductionTrace {
  ids: Int32Array;
  triggerPosition: number;
  answer: number;
  /** Per layer: mean and largest Δ over channels at every position (length). */
  meanDelta: Float64Array[];
  maxDelta: Float64Array[];
  /** Per layer: ‖h_t‖ over all channels and states at every position (length). */
  stateNorm: Float64Array[];
  /** Per layer: h at position length − 2, the token before the final trigger, (dInner, dState). */
  stateBeforeAnswer: Float64Array[];
  /** p(token) at the last position (vocab). */
  probabilities: Float64Array;
}

export const TRIGGER_SYMBOL = "⊢";

/** The token as the page writes it: the trigger ⊢, data tokens as 0–9 then A–E. */
export function inductionSymbol(settings: InductionHeadsSettings, id: number): string {
  return id === settings.triggerToken ? TRIGGER_SYMBOL : id.toString(16).toUpperCase();
}

/** Runs sequence `index` of `seed` at `length` and summarises it. */
export async function traceInduction(engine: Engine, model: MambaModel, settings: InductionHeadsSettings, length: number, seed: number, index: number): Promise<InductionTrace> {
  const { ids, answer, triggerPosition } = inductionSequence(settings, length, seed, index);
  const run = await engine.runModel(model, [Array.from(ids)], { statesOf: model.layers.map((_layer, i) => i) });
  const { dInner, dState, vocabSize } = model.config;
  const perPosition = (values: ArrayLike<number>, width: number, reduce: (acc: number, v: number) => number, start: number, finish: (v: number) => number) =>
    Float64Array.from({ length }, (_, t) => {
      let acc = start;
      for (let i = 0; i < width; i++) acc = reduce(acc, values[t * width + i]);
      return finish(acc);
    });
  const logits = run.logits.subarray((length - 1) * vocabSize, length * vocabSize);
  const top = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return {
    ids,
    triggerPosition,
    answer,
    meanDelta: run.layers.map((l) => perPosition(l.delta, dInner, (a, v) => a + v, 0, (a) => a / dInner)),
    maxDelta: run.layers.map((l) => perPosition(l.delta, dInner, Math.max, 0, (a) => a)),
    stateNorm: run.layers.map((l) => perPosition(l.states!, dInner * dState, (a, v) => a + v * v, 0, Math.sqrt)),
    stateBeforeAnswer: run.layers.map((l) => Float64Array.from(l.states!.subarray((length - 2) * dInner * dState, (length - 1) * dInner * dState))),
    probabilities: Float64Array.from(exps, (e) => e / total),
  };
}

/** Where the chosen layer's mean Δ is largest, counted from the first trigger (0 = at the trigger; may be negative). */
export function deltaPeakOffset(trace: InductionTrace, layer: number): number {
  const mean = trace.meanDelta[layer];
  let best = 0;
  for (let t = 1; t < mean.length - 1; t++) if (mean[t] > mean[best]) best = t;
  return best - trace.triggerPosition;
}

/** A per-position curve of every layer, plus dots at the first trigger, the answer token and the final trigger. */
export function perPositionSeries(trace: InductionTrace, curves: readonly Float64Array[], label: string): Series[] {
  const x = Array.from({ length: trace.ids.length }, (_, t) => t);
  const colors = ["#4e79a7", "#f28e2b"];
  const marks = [trace.triggerPosition, trace.triggerPosition + 1, trace.ids.length - 1];
  const markNames = ["the first ⊢", "the answer after it", "the final ⊢"];
  return curves.flatMap((curve, layer) => [
    { name: `${label}, layer ${layer + 1}`, x, y: curve, color: colors[layer % colors.length] },
    // One series per mark, so the dots are not joined by a line.
    ...marks.map((t, i) => ({ name: `layer ${layer + 1} at ${markNames[i]}`, x: [t], y: [curve[t]], color: colors[layer % colors.length], points: true })),
  ]);
}

/** h before the answer, the `rows` channels with the largest ‖h[c]‖ (rows) × states. */
export function strongestChannels(trace: InductionTrace, layer: number, model: MambaModel, rows = 16): HeatmapData {
  const { dInner, dState } = model.config;
  const h = trace.stateBeforeAnswer[layer];
  const norms = Array.from({ length: dInner }, (_, c) => {
    let s = 0;
    for (let n = 0; n < dState; n++) s += h[c * dState + n] ** 2;
    return [c, s] as const;
  });
  const chosen = norms.sort((a, b) => b[1] - a[1]).slice(0, rows).map(([c]) => c);
  const values = new Float64Array(chosen.length * dState);
  chosen.forEach((c, r) => values.set(h.subarray(c * dState, (c + 1) * dState), r * dState));
  return { values, rows: chosen.length, columns: dState, rowLabels: chosen.map((c) => `ch ${c}`), columnLabels: Array.from({ length: dState }, (_, n) => String(n)) };
}

/** The answer's probabilities as one row of cells, labelled by token. */
export function probabilityRow(trace: InductionTrace, settings: InductionHeadsSettings): HeatmapData {
  const vocab = trace.probabilities.length;
  return {
    values: trace.probabilities,
    rows: 1,
    columns: vocab,
    rowLabels: ["p"],
    columnLabels: Array.from({ length: vocab }, (_, id) => inductionSymbol(settings, id)),
    domain: [0, 1],
    outlines: [{ rows: [0, 0], columns: [trace.answer, trace.answer] }],
  };
}

/** The sequence as text with the trigger and the answer marked, shortened in the middle when long. */
export function sequenceText(trace: InductionTrace, settings: InductionHeadsSettings, window = 6): string {
  const { ids, triggerPosition: p } = trace;
  const symbol = (t: number) => (t === p + 1 ? `[${inductionSymbol(settings, ids[t])}]` : inductionSymbol(settings, ids[t]));
  const span = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => symbol(from + i)).join(" ");
  const head = p > window ? `${span(0, 3)} … ${span(p - window, p)}` : span(0, p);
  const middleEnd = Math.min(ids.length - 1, p + 2 + window);
  const tail = ids.length - 1 - middleEnd > window ? `${span(middleEnd, middleEnd)} … ${span(ids.length - 1 - window, ids.length)}` : span(middleEnd, ids.length);
  return `${head} ${span(p, middleEnd)} ${tail}`.replace(/\s+/g, " ").trim();
}

/** The curves of perPositionSeries as a table (position, one column per layer) for the exports. */
export function perPositionTable(series: readonly Series[]): DataTable {
  const curves = series.filter((s) => !s.points);
  return { columns: ["position", ...curves.map((s) => s.name)], rows: Array.from(curves[0]?.x ?? [], (x, i) => [x, ...curves.map((s) => s.y[i])]) };
}
