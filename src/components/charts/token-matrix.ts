/**
 * A token × token matrix — hidden attention M[t,s], a decay mask, C B̄ᵀ — with square cells, the
 * characters along both axes, a colour legend, and a hover read-out that names the two characters a
 * cell links and marks them in the text strip under the drawing. Causal matrices draw only t ≥ s.
 * Chunk boundaries (grid), outlines and faded rows serve step-throughs of the chunked algorithm.
 */
import * as d3 from "d3";
import { formatNumber } from "../format.js";
import { responsiveChart, sizeSvg, type Chart } from "./chart.js";
import { drawColorLegend, heatmapColor } from "./heatmap.js";

/** A rectangle of cells [rows[0], rows[1]] × [columns[0], columns[1]] (inclusive), outlined. */
export interface MatrixOutline {
  rows: [number, number];
  columns: [number, number];
  /** Dashed (default) or solid. */
  dashed?: boolean;
}

export interface TokenMatrixData {
  /** Row-major (size, size): row t, column s. */
  values: ArrayLike<number>;
  size: number;
  /** One label per token, as the reader should see it (e.g. "␣" for a space). */
  labels: readonly string[];
  /** "lower" (default) draws only t ≥ s, a causal matrix; "full" draws every cell. */
  part?: "lower" | "full";
  /** Rows from this one on are faded (not computed yet in a step-through). */
  fadeFromRow?: number;
  /** Boundary lines every `grid` tokens (chunks). */
  grid?: number;
  outlines?: readonly MatrixOutline[];
  /** Colour domain for this data (e.g. shared by a pair of matrices); default the data's range. */
  domain?: [number, number];
}

export interface TokenMatrixOptions {
  /** The matrix's name in the read-out, e.g. "M". */
  valueName?: string;
  color?: "diverging" | "sequential";
  width?: number;
  /** Marks the cells with `data-sym` for equation linking. */
  sym?: string;
}

const MARGIN = { top: 30, right: 6, bottom: 40, left: 22 };
const MIN_CELL = 2;
const MAX_CELL = 16;

/** The cells drawn, in drawing order: row by row, and within a row s = 0..t (lower) or 0..size−1 (full). */
export function matrixCells(size: number, part: "lower" | "full" = "lower"): [number, number][] {
  const cells: [number, number][] = [];
  for (let t = 0; t < size; t++) for (let s = 0; s < (part === "lower" ? t + 1 : size); s++) cells.push([t, s]);
  return cells;
}

export type TokenMatrix = Chart<TokenMatrixData>;

export function tokenMatrix(data: TokenMatrixData, options: TokenMatrixOptions = {}): TokenMatrix {
  const readout = document.createElement("output");
  readout.className = "kit-readout";
  readout.textContent = "Point at a cell to read it.";
  const strip = document.createElement("div");
  strip.className = "kit-token-strip";
  strip.setAttribute("aria-hidden", "true");
  const fillStrip = (labels: readonly string[]) => {
    strip.replaceChildren(...labels.map((label) => Object.assign(document.createElement("span"), { textContent: label })));
  };
  const mark = (t?: number, s?: number) => {
    strip.querySelectorAll("span").forEach((span, i) => {
      span.classList.toggle("is-row", i === t);
      span.classList.toggle("is-column", i === s);
    });
  };
  const chart = responsiveChart("kit-token-matrix", data, options.width, (node, current, width) => {
    if (strip.childElementCount !== current.labels.length) fillStrip(current.labels);
    drawMatrix(node, current, width, options, (text, t, s) => {
      readout.textContent = text;
      mark(t, s);
    });
  });
  fillStrip(data.labels);
  const update = chart.update.bind(chart);
  chart.update = (next: TokenMatrixData) => {
    fillStrip(next.labels);
    update(next);
  };
  chart.append(readout, strip);
  return chart;
}

function drawMatrix(node: SVGSVGElement, data: TokenMatrixData, width: number, options: TokenMatrixOptions, show: (text: string, t?: number, s?: number) => void): void {
  const { size, values, labels } = data;
  const part = data.part ?? "lower";
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor((width - MARGIN.left - MARGIN.right) / Math.max(1, size))));
  const side = cell * size;
  sizeSvg(node, Math.max(MARGIN.left + side + MARGIN.right, 200), MARGIN.top + side + MARGIN.bottom);
  const drawn = matrixCells(size, part);
  const shown = drawn.map(([t, s]) => values[t * size + s]);
  const { scale, domain } = heatmapColor(shown, { color: options.color, domain: data.domain });
  const svg = d3.select(node);
  const cells = svg.append("g").attr("class", "kit-cells").attr("shape-rendering", "crispEdges");
  if (options.sym) cells.attr("data-sym", options.sym);
  const fadeFrom = data.fadeFromRow ?? Infinity;
  cells
    .selectAll("rect")
    .data(drawn)
    .join("rect")
    .attr("x", ([, s]) => MARGIN.left + s * cell)
    .attr("y", ([t]) => MARGIN.top + t * cell)
    .attr("width", cell)
    .attr("height", cell)
    .attr("fill", (_cell, i) => scale(shown[i]))
    .attr("opacity", ([t]) => (t >= fadeFrom ? 0.2 : null));

  // Every step-th character along both axes: rows at the left, columns along the top.
  const ticks = d3.range(0, size, Math.ceil(11 / cell));
  const text = (i: number) => {
    const label = labels[i] ?? "";
    return label.length > 2 ? `${label.slice(0, 1)}…` : label;
  };
  const axis = (x: (i: number) => number, y: (i: number) => number, anchor: string) =>
    svg.append("g").attr("class", "kit-axis-labels kit-token-labels").selectAll("text").data(ticks).join("text").attr("x", x).attr("y", y).attr("text-anchor", anchor).text(text);
  axis(() => MARGIN.left - 3, (t) => MARGIN.top + (t + 0.5) * cell, "end").attr("dominant-baseline", "central");
  axis((s) => MARGIN.left + (s + 0.5) * cell, () => MARGIN.top - 4, "middle");
  svg.append("text").attr("class", "kit-axis-title").attr("x", 2).attr("y", 12).text("t ↓ reads s →");

  if (data.grid && data.grid < size) {
    const lines = svg.append("g").attr("class", "kit-grid-lines");
    for (let k = data.grid; k < size; k += data.grid) {
      const at = k * cell;
      lines.append("line").attr("x1", MARGIN.left + at).attr("x2", MARGIN.left + at).attr("y1", MARGIN.top + (part === "lower" ? at : 0)).attr("y2", MARGIN.top + side);
      lines.append("line").attr("x1", MARGIN.left).attr("x2", MARGIN.left + (part === "lower" ? at : side)).attr("y1", MARGIN.top + at).attr("y2", MARGIN.top + at);
    }
  }
  for (const outline of data.outlines ?? []) {
    svg
      .append("rect")
      .attr("class", outline.dashed === false ? "kit-outline kit-outline-solid" : "kit-outline")
      .attr("x", MARGIN.left + outline.columns[0] * cell)
      .attr("y", MARGIN.top + outline.rows[0] * cell)
      .attr("width", (outline.columns[1] - outline.columns[0] + 1) * cell)
      .attr("height", (outline.rows[1] - outline.rows[0] + 1) * cell)
      .attr("fill", "none");
  }
  drawColorLegend(svg, scale, domain, MARGIN.left, MARGIN.top + side + 12, Math.max(120, Math.min(side, 200)));

  const hover = svg.append("rect").attr("class", "kit-hover-cell").attr("data-export", "skip").attr("width", cell).attr("height", cell).attr("fill", "none").attr("visibility", "hidden");
  const name = options.valueName ?? "value";
  svg.on("pointermove", (event: PointerEvent) => {
    const [px, py] = d3.pointer(event, node);
    const s = Math.floor((px - MARGIN.left) / cell);
    const t = Math.floor((py - MARGIN.top) / cell);
    if (t < 0 || t >= size || s < 0 || s >= size || (part === "lower" && s > t)) return;
    hover.attr("x", MARGIN.left + s * cell).attr("y", MARGIN.top + t * cell).attr("visibility", "visible");
    const back = t - s;
    const relation = back === 0 ? "itself" : back > 0 ? `${back} back` : `${-back} ahead`;
    show(`${name}[${t}, ${s}] = ${formatNumber(values[t * size + s], 4)} · “${labels[t]}” (t = ${t}) reads “${labels[s]}” (s = ${s}, ${relation})`, t, s);
  });
  svg.on("pointerleave", () => hover.attr("visibility", "hidden"));
}
