/**
 * What every chart shares: an SVG that redraws itself at its container's width (so a figure fits a
 * 360 px phone and a desktop column alike), an `update(data)` that redraws with new data, and the
 * site palette. Charts style marks through CSS classes (kit.css) so they follow the light/dark theme;
 * the export inlines the computed result.
 */
import * as d3 from "d3";
import { formatNumber } from "../format.js";

/** A chart element: a <div> holding one <svg>; `update(data)` redraws it in place, `data` is what it shows. */
export type Chart<D> = HTMLElement & { update(data: D): void; readonly data: D; readonly svg: SVGSVGElement };

/** Draws `data` into the emptied `svg`, `width` CSS pixels wide; sets its own height. */
export type Draw<D> = (svg: SVGSVGElement, data: D, width: number) => void;

/** Categorical colours that read on both the light and the dark theme. */
export const PALETTE: readonly string[] = d3.schemeTableau10;

/** The colour of series `index` unless the series names its own. */
export function seriesColor(index: number, own?: string): string {
  return own ?? PALETTE[index % PALETTE.length];
}

/** Updates the drawn `svg` from `previous` to `next` in place; returns false when a full redraw is needed. */
export type Repaint<D> = (svg: SVGSVGElement, next: D, previous: D) => boolean;

/**
 * Wraps `draw` into a chart that follows its container's width: drawn at `preferredWidth` (or 640)
 * at first, then at min(preferredWidth, container width) whenever the container resizes. `update`
 * tries `repaint` first, when given, and redraws from scratch only if it declines.
 */
export function responsiveChart<D>(className: string, data: D, preferredWidth: number | undefined, draw: Draw<D>, repaint?: Repaint<D>): Chart<D> {
  const root = document.createElement("div") as unknown as Chart<D>;
  root.className = `kit-chart ${className}`;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  Object.defineProperty(root, "svg", { value: svg });
  root.append(svg);
  let current = data;
  Object.defineProperty(root, "data", { get: () => current });
  let width = preferredWidth ?? 640;
  const redraw = () => {
    svg.replaceChildren();
    draw(svg, current, width);
  };
  root.update = (next: D) => {
    const previous = current;
    current = next;
    if (!repaint?.(svg, next, previous)) redraw();
    markOverflow(root, countNonFinite(next));
  };
  const observer = new ResizeObserver(([entry]) => {
    const available = Math.floor(entry.contentRect.width);
    if (available <= 0) return;
    const next = Math.max(240, Math.min(preferredWidth ?? Infinity, available));
    if (next === width) return;
    width = next;
    redraw();
  });
  observer.observe(root);
  redraw();
  markOverflow(root, countNonFinite(data));
  return root;
}

/**
 * How many numbers in `data` are NaN or ±Infinity, searching arrays, typed arrays and plain objects
 * (`depth` levels down), so one check covers every chart's data shape.
 */
export function countNonFinite(data: unknown, depth = 4): number {
  if (typeof data === "number") return Number.isFinite(data) ? 0 : 1;
  if (depth === 0 || data === null || typeof data !== "object") return 0;
  if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView) return 0;
    const values = data as unknown as ArrayLike<number | bigint>;
    let count = 0;
    for (let i = 0; i < values.length; i++) if (typeof values[i] === "number" && !Number.isFinite(values[i])) count++;
    return count;
  }
  const items: unknown[] = Array.isArray(data) ? data : Object.values(data);
  return items.reduce<number>((count, item) => count + countNonFinite(item, depth - 1), 0);
}

/**
 * The one guard between an unstable computation and a blank figure: a chart whose data holds
 * non-finite values (an unstable A, a Δ that overflows float32) gets a visible badge and
 * `data-overflow` (the count); both go away when the values come back.
 */
function markOverflow(root: HTMLElement, count: number): void {
  let badge = root.querySelector<HTMLElement>(":scope > .kit-overflow-badge");
  if (count === 0) {
    badge?.remove();
    delete root.dataset.overflow;
    return;
  }
  if (!badge) {
    badge = document.createElement("p");
    badge.className = "kit-overflow-badge";
    badge.setAttribute("role", "status");
    root.prepend(badge);
  }
  badge.textContent = `⚠ unstable: ${count} value${count === 1 ? "" : "s"} overflowed (NaN or ±∞) and ${count === 1 ? "is" : "are"} not drawn`;
  root.dataset.overflow = String(count);
}

/** Gives `svg` its size: width/height attributes and a matching viewBox (exports read the viewBox). */
export function sizeSvg(svg: SVGSVGElement, width: number, height: number): void {
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
}

let clipCount = 0;

/**
 * A group of `svg` clipped to the rectangle `box` (the plot area): a curve that leaves the plot stops
 * at its edge instead of being pinned to it. The clip path lives in the same SVG, so exports keep it.
 */
export function clippedGroup(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>,
  box: { left: number; top: number; width: number; height: number },
): d3.Selection<SVGGElement, unknown, null, undefined> {
  const clipId = `kit-clip-${++clipCount}`;
  svg.append("clipPath").attr("id", clipId).append("rect").attr("x", box.left).attr("y", box.top).attr("width", box.width).attr("height", box.height);
  return svg.append("g").attr("class", "kit-clipped").attr("clip-path", `url(#${clipId})`);
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** Draws an x axis at the bottom and a y axis at the left of the plot area, with axis titles. */
export function drawAxes(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>,
  x: d3.AxisScale<number>,
  y: d3.AxisScale<number>,
  size: { width: number; height: number; margin: Margins },
  labels: { x?: string; y?: string },
): void {
  const { width, height, margin } = size;
  const ticksX = Math.max(2, Math.floor((width - margin.left - margin.right) / 70));
  const xAxis = svg.append("g").attr("class", "kit-axis").attr("transform", `translate(0,${height - margin.bottom})`);
  xAxis.call(d3.axisBottom(x).ticks(ticksX).tickFormat(tickFormat(x)));
  const yAxis = svg.append("g").attr("class", "kit-axis").attr("transform", `translate(${margin.left},0)`);
  yAxis.call(d3.axisLeft(y).ticks(Math.max(2, Math.floor((height - margin.top - margin.bottom) / 40))).tickFormat(tickFormat(y)));
  if (labels.x) {
    svg.append("text").attr("class", "kit-axis-title").attr("x", width - margin.right).attr("y", height - 6).attr("text-anchor", "end").text(labels.x);
  }
  if (labels.y) {
    svg.append("text").attr("class", "kit-axis-title").attr("x", 4).attr("y", margin.top - 10).attr("text-anchor", "start").text(labels.y);
  }
}

/** Tick labels in the site's number format; a log axis labels only powers of ten (its other ticks stay unlabelled). */
function tickFormat(scale: d3.AxisScale<number>): (value: d3.NumberValue) => string {
  const log = "base" in scale;
  return (value) => {
    const number = Number(value);
    if (log && Math.abs(Math.log10(number) - Math.round(Math.log10(number))) > 1e-9) return "";
    return formatNumber(number);
  };
}

/** The extent of `values` ignoring non-finite ones (and non-positive ones on a log axis); [0, 1] when empty. */
export function finiteExtent(values: Iterable<number>, log = false): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value) || (log && value <= 0)) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (low > high) return log ? [1, 10] : [0, 1];
  if (low === high) return log ? [low / 2, high * 2] : [low - 1, high + 1];
  return [low, high];
}
