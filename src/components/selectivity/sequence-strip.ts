/**
 * The reader's sequence as a strip of token cells that wraps to the width (64 tokens fit a phone):
 * noise grey, data coloured by value, markers dark. Clicking a context cell (or Enter/Space on a
 * focused one) calls `onCell(position)`; `outlined` positions get a dashed frame (the perturbed token).
 */
import * as d3 from "d3";
import { PALETTE, responsiveChart, sizeSvg, type Chart } from "../charts/chart.js";

export type TokenKind = "noise" | "data" | "marker";

export interface StripData {
  symbols: readonly string[];
  kinds: readonly TokenKind[];
  /** Data value index (0-based) per token, for the colour; ignored for noise and markers. */
  values: readonly number[];
  /** Positions drawn with a dashed outline. */
  outlined?: readonly number[];
  /** Positions the reader may click (the context); markers are fixed. */
  editable: number;
}

const CELL = 20;
const GAP = 2;
const MARGIN = { top: 18, left: 4, right: 4, bottom: 4 };

export function sequenceStrip(data: StripData, options: { onCell?: (position: number) => void; width?: number } = {}): Chart<StripData> {
  return responsiveChart("kit-sequence-strip", data, options.width ?? 680, (node, current, width) => draw(node, current, width, options.onCell));
}

function draw(node: SVGSVGElement, data: StripData, width: number, onCell?: (position: number) => void): void {
  const count = data.symbols.length;
  const perRow = Math.max(8, Math.floor((width - MARGIN.left - MARGIN.right) / (CELL + GAP)));
  const rows = Math.ceil(count / perRow);
  const height = MARGIN.top + rows * (CELL + GAP + 12) + MARGIN.bottom;
  sizeSvg(node, Math.min(width, MARGIN.left + perRow * (CELL + GAP) + MARGIN.right), height);
  const svg = d3.select(node);
  svg.append("text").attr("class", "kit-axis-title").attr("x", MARGIN.left).attr("y", 12).text("position →  (“.” noise, digits data, ▸ marker)");
  const x = (t: number) => MARGIN.left + (t % perRow) * (CELL + GAP);
  const y = (t: number) => MARGIN.top + Math.floor(t / perRow) * (CELL + GAP + 12);
  const outlined = new Set(data.outlined ?? []);
  const cells = svg
    .append("g")
    .selectAll("g")
    .data(d3.range(count))
    .join("g")
    .attr("class", (t) => `kit-token kit-token-${data.kinds[t]}`)
    .attr("data-position", (t) => t)
    .attr("transform", (t) => `translate(${x(t)},${y(t)})`);
  cells
    .append("rect")
    .attr("width", CELL)
    .attr("height", CELL)
    .attr("rx", 3)
    // A style, not an attribute: the stylesheet's fill for noise and markers would win over an attribute.
    .style("fill", (t) => (data.kinds[t] === "data" ? PALETTE[data.values[t] % PALETTE.length] : null));
  cells
    .append("text")
    .attr("x", CELL / 2)
    .attr("y", CELL / 2)
    .attr("text-anchor", "middle")
    .attr("dominant-baseline", "central")
    .text((t) => data.symbols[t]);
  cells
    .filter((t) => t % 8 === 0)
    .append("text")
    .attr("class", "kit-token-index")
    .attr("x", 1)
    .attr("y", CELL + 9)
    .text((t) => String(t));
  cells
    .filter((t) => outlined.has(t))
    .append("rect")
    .attr("class", "kit-outline")
    .attr("x", -2)
    .attr("y", -2)
    .attr("width", CELL + 4)
    .attr("height", CELL + 4)
    .attr("fill", "none");
  if (!onCell) return;
  cells
    .filter((t) => t < data.editable)
    .attr("tabindex", 0)
    .attr("role", "button")
    .attr("aria-label", (t) => `position ${t}: ${data.symbols[t]}`)
    .style("cursor", "pointer")
    .on("click", (_event: MouseEvent, t: number) => onCell(t))
    .on("keydown", (event: KeyboardEvent, t: number) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      onCell(t);
    });
}
