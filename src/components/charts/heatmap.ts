/** Heatmap of a (rows, columns) matrix — token × channel, token × state, channel × state — with a colour legend and a hover read-out. */
import * as d3 from "d3";
import { formatNumber } from "../format.js";
import { finiteExtent, responsiveChart, sizeSvg, type Chart } from "./chart.js";

/** A rectangle of cells drawn with an outline, e.g. the tokens a perturbation touches. */
export interface CellRange {
  rows: [number, number];
  columns: [number, number];
}

export interface HeatmapData {
  /** Row-major (rows, columns). */
  values: ArrayLike<number>;
  rows: number;
  columns: number;
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
  outlines?: readonly CellRange[];
  /** Colour domain for this data, overriding options.domain (e.g. shared by an original/perturbed pair). */
  domain?: [number, number];
}

export interface HeatmapOptions {
  /** Names of the two dimensions and of the value, for the axes and the read-out. */
  rowName?: string;
  columnName?: string;
  valueName?: string;
  /** "diverging": symmetric around 0 (blue < 0 < red); "sequential": viridis from low to high. */
  color?: "diverging" | "sequential";
  /** Fixed colour domain, so two heatmaps side by side compare; default: the data's range. */
  domain?: [number, number];
  width?: number;
  /** Called with the first and last row (inclusive) the reader brushes across. */
  onBrushRows?: (first: number, last: number) => void;
  /** Called with the first and last column (inclusive) the reader brushes across (not with onBrushRows). */
  onBrushColumns?: (first: number, last: number) => void;
  /** Called when the reader clicks a cell. */
  onCell?: (row: number, column: number) => void;
  /** Marks the heatmap's cells with `data-sym` for equation linking. */
  sym?: string;
}

const MARGIN = { top: 34, right: 8, bottom: 44, left: 64 };
const MIN_CELL = 9;
const MAX_CELL = 30;

/** The colour scale of `options` over `values`. */
export function heatmapColor(values: ArrayLike<number>, options: HeatmapOptions): { scale: (v: number) => string; domain: [number, number] } {
  if (options.color === "sequential") {
    const domain = options.domain ?? finiteExtent(Array.from(values));
    const scale = d3.scaleSequential(d3.interpolateViridis).domain(domain);
    return { scale: (v) => (Number.isFinite(v) ? scale(v) : "#888"), domain };
  }
  const [low, high] = options.domain ?? finiteExtent(Array.from(values));
  const bound = Math.max(Math.abs(low), Math.abs(high)) || 1;
  const scale = d3.scaleDiverging((t: number) => d3.interpolateRdBu(1 - t)).domain([-bound, 0, bound]);
  return { scale: (v) => (Number.isFinite(v) ? scale(v) : "#888"), domain: [-bound, bound] };
}

/**
 * Cells coloured by value, row labels on the left, column indices on top, a colour legend under it
 * and a read-out line ("token 3 “the”, channel 5: 0.123") that follows the pointer. Cells keep at
 * least 9 px: a matrix wider than its container scrolls inside the figure instead of shrinking.
 */
export function heatmap(data: HeatmapData, options: HeatmapOptions = {}): Chart<HeatmapData> {
  const readout = document.createElement("output");
  readout.className = "kit-readout";
  readout.textContent = "Point at a cell to read its value.";
  const chart = responsiveChart(
    "kit-heatmap",
    data,
    options.width,
    (node, current, width) => drawHeatmap(node, current, width, options, (text) => (readout.textContent = text)),
    (node, next, previous) => sameLayout(next, previous) && recolour(node, next, options),
  );
  chart.append(readout);
  return chart;
}

function drawHeatmap(node: SVGSVGElement, data: HeatmapData, width: number, options: HeatmapOptions, show: (text: string) => void): void {
  const { rows, columns, values } = data;
  const rowName = options.rowName ?? "row";
  const columnName = options.columnName ?? "column";
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor((width - MARGIN.left - MARGIN.right) / Math.max(1, columns))));
  const cellHeight = Math.max(MIN_CELL, Math.min(MAX_CELL, cell, Math.floor(320 / Math.max(1, rows))));
  const plotWidth = cell * columns;
  const plotHeight = cellHeight * rows;
  const svgWidth = Math.max(MARGIN.left + plotWidth + MARGIN.right, 240);
  const svgHeight = MARGIN.top + plotHeight + MARGIN.bottom;
  sizeSvg(node, svgWidth, svgHeight);
  const { scale, domain } = heatmapColor(values, { ...options, domain: data.domain ?? options.domain });
  const svg = d3.select(node);
  const label = (index: number) => data.rowLabels?.[index] ?? String(index);
  const describe = (r: number, c: number) =>
    `${rowName} ${r}${data.rowLabels ? ` “${label(r)}”` : ""}, ${columnName} ${data.columnLabels?.[c] ?? c}: ${options.valueName ? `${options.valueName} = ` : ""}${formatNumber(values[r * columns + c], 4)}`;

  // data-export="raster": exported as one image, a pixel per cell (export.ts), not thousands of <rect>s.
  const cells = svg.append("g").attr("class", "kit-cells").attr("data-export", "raster");
  if (options.sym) cells.attr("data-sym", options.sym);
  cells
    .selectAll("rect")
    .data(d3.range(rows * columns))
    .join("rect")
    .attr("x", (i) => MARGIN.left + (i % columns) * cell)
    .attr("y", (i) => MARGIN.top + Math.floor(i / columns) * cellHeight)
    .attr("width", cell)
    .attr("height", cellHeight)
    .attr("fill", (i) => scale(values[i]));

  const rowStep = Math.ceil(12 / cellHeight);
  svg
    .append("g")
    .attr("class", "kit-axis-labels")
    .selectAll("text")
    .data(d3.range(0, rows, rowStep))
    .join("text")
    .attr("x", MARGIN.left - 4)
    .attr("y", (r) => MARGIN.top + (r + 0.5) * cellHeight)
    .attr("text-anchor", "end")
    .attr("dominant-baseline", "central")
    .text((r) => truncate(label(r), 9));
  const columnStep = Math.ceil(22 / cell);
  svg
    .append("g")
    .attr("class", "kit-axis-labels")
    .selectAll("text")
    .data(d3.range(0, columns, columnStep))
    .join("text")
    .attr("x", (c) => MARGIN.left + (c + 0.5) * cell)
    .attr("y", MARGIN.top - 6)
    .attr("text-anchor", "middle")
    .text((c) => data.columnLabels?.[c] ?? String(c));
  svg.append("text").attr("class", "kit-axis-title").attr("x", 4).attr("y", 12).text(`${rowName} ↓  ${columnName} →`);

  for (const outline of data.outlines ?? []) {
    svg
      .append("rect")
      .attr("class", "kit-outline")
      .attr("x", MARGIN.left + outline.columns[0] * cell)
      .attr("y", MARGIN.top + outline.rows[0] * cellHeight)
      .attr("width", (outline.columns[1] - outline.columns[0] + 1) * cell)
      .attr("height", (outline.rows[1] - outline.rows[0] + 1) * cellHeight)
      .attr("fill", "none");
  }
  drawColorLegend(svg, scale, domain, MARGIN.left, MARGIN.top + plotHeight + 14, Math.min(plotWidth, 200));

  const locate = (event: PointerEvent | MouseEvent): [number, number] | undefined => {
    const [px, py] = d3.pointer(event, node);
    const c = Math.floor((px - MARGIN.left) / cell);
    const r = Math.floor((py - MARGIN.top) / cellHeight);
    return r >= 0 && r < rows && c >= 0 && c < columns ? [r, c] : undefined;
  };
  svg.on("pointermove", (event: PointerEvent) => {
    const at = locate(event);
    if (at) show(describe(...at));
  });
  if (options.onCell) {
    const onCell = options.onCell;
    cells.style("cursor", "pointer").on("click", (event: MouseEvent) => {
      const at = locate(event);
      if (at) onCell(...at);
    });
  }
  const onBrush = options.onBrushRows ?? options.onBrushColumns;
  if (onBrush) {
    const alongRows = options.onBrushRows !== undefined;
    const [start, size, count] = alongRows ? [MARGIN.top, cellHeight, rows] : [MARGIN.left, cell, columns];
    const brush = (alongRows ? d3.brushY<unknown>() : d3.brushX<unknown>())
      .extent([
        [MARGIN.left, MARGIN.top],
        [MARGIN.left + plotWidth, MARGIN.top + plotHeight],
      ])
      .on("end", (event: d3.D3BrushEvent<unknown>) => {
        if (!event.selection || !event.sourceEvent) return;
        const [from, to] = event.selection as [number, number];
        const first = Math.max(0, Math.floor((from - start) / size));
        const last = Math.min(count - 1, Math.ceil((to - start) / size) - 1);
        onBrush(first, Math.max(first, last));
      });
    svg.append("g").attr("class", "kit-brush").attr("data-export", "skip").call(brush);
  }
}

/** True when `next` draws the same cells, labels and outlines as `previous` (only colours differ). */
function sameLayout(next: HeatmapData, previous: HeatmapData): boolean {
  return (
    next.rows === previous.rows &&
    next.columns === previous.columns &&
    (next.rowLabels ?? []).join("\u0000") === (previous.rowLabels ?? []).join("\u0000") &&
    JSON.stringify(next.outlines ?? []) === JSON.stringify(previous.outlines ?? [])
  );
}

/** Recolours the cells and redraws the colour legend in place; far cheaper than a full redraw. */
function recolour(node: SVGSVGElement, data: HeatmapData, options: HeatmapOptions): boolean {
  const legend = node.querySelector<SVGGElement>(".kit-color-legend");
  if (!legend) return false;
  const { scale, domain } = heatmapColor(data.values, { ...options, domain: data.domain ?? options.domain });
  d3.select(node).selectAll<SVGRectElement, number>(".kit-cells rect").attr("fill", (i) => scale(data.values[i]));
  const [left, top, width] = ["left", "top", "width"].map((key) => Number(legend.dataset[key]));
  legend.remove();
  drawColorLegend(d3.select(node), scale, domain, left, top, width);
  return true;
}

/** A horizontal colour bar of `width` px with its two ends (and 0 when diverging) labelled. */
export function drawColorLegend(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>,
  scale: (v: number) => string,
  domain: [number, number],
  left: number,
  top: number,
  width: number,
): void {
  const steps = 32;
  const legend = svg.append("g").attr("class", "kit-color-legend").attr("data-left", left).attr("data-top", top).attr("data-width", width);
  const value = d3.scaleLinear().domain([0, steps - 1]).range(domain);
  legend
    .selectAll("rect")
    .data(d3.range(steps))
    .join("rect")
    .attr("x", (i) => left + (i * width) / steps)
    .attr("y", top)
    .attr("width", width / steps + 0.5)
    .attr("height", 8)
    .attr("fill", (i) => scale(value(i)));
  const ticks = domain[0] < 0 && domain[1] > 0 ? [domain[0], 0, domain[1]] : domain;
  const position = d3.scaleLinear().domain(domain).range([left, left + width]);
  legend
    .selectAll("text")
    .data(ticks)
    .join("text")
    .attr("class", "kit-axis-labels")
    .attr("x", (v) => position(v))
    .attr("y", top + 20)
    .attr("text-anchor", (_v, i) => (i === 0 ? "start" : i === ticks.length - 1 ? "end" : "middle"))
    .text((v) => formatNumber(v));
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
