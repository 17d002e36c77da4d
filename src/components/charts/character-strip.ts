/**
 * A text drawn one character per cell, wrapped to the figure's width, each cell coloured by a value
 * (surprise in bits, Δ, a difference…) with the value's bar under the character. The reader's text, read
 * by a model, as a figure: click a cell to select its position, point at one to read its value. A second
 * series (`compare`) draws a thin bar beside each cell, for original vs perturbed.
 */
import * as d3 from "d3";
import { formatNumber } from "../format.js";
import { finiteExtent, responsiveChart, sizeSvg, type Chart } from "./chart.js";

export interface CharacterStripData {
  characters: readonly string[];
  values: ArrayLike<number>;
  /** A second value per character, drawn as a thin bar beside the first (e.g. after a perturbation). */
  compare?: ArrayLike<number>;
  /** The selected position, outlined. */
  selected?: number;
  /** Positions drawn with a warning outline (e.g. characters outside the vocabulary). */
  flagged?: readonly number[];
  /** Positions drawn with a dashed outline (e.g. perturbed characters). */
  marked?: readonly number[];
  domain?: [number, number];
}

export interface CharacterStripOptions {
  /** What the value is, for the read-out ("surprise", "Δ"). */
  valueName?: string;
  unit?: string;
  /** A fixed colour domain; default the data's. */
  domain?: [number, number];
  /** "sequential" (viridis, low dark) or "diverging" (blue < 0 < red). */
  color?: "sequential" | "diverging";
  onSelect?: (position: number) => void;
  width?: number;
}

const CELL = { width: 17, height: 40, gap: 2 };
const MARGIN = { top: 6, left: 4, right: 4, bottom: 4 };

/** How a character is shown in its cell: visible marks for space and newline. */
export function shownCharacter(character: string): string {
  if (character === " ") return "␣";
  if (character === "\n") return "↵";
  return character;
}

export function characterStrip(data: CharacterStripData, options: CharacterStripOptions = {}): Chart<CharacterStripData> {
  const readout = document.createElement("output");
  readout.className = "kit-readout";
  readout.textContent = options.onSelect ? "Point at a character to read its value; click to choose it." : "Point at a character to read its value.";
  const chart = responsiveChart("kit-character-strip", data, options.width, (node, current, width) => draw(node, current, width, options, (text) => (readout.textContent = text)));
  chart.append(readout);
  return chart;
}

function draw(node: SVGSVGElement, data: CharacterStripData, width: number, options: CharacterStripOptions, show: (text: string) => void): void {
  const count = data.characters.length;
  const perRow = Math.max(1, Math.floor((width - MARGIN.left - MARGIN.right) / (CELL.width + CELL.gap)));
  const rows = Math.max(1, Math.ceil(count / perRow));
  const height = MARGIN.top + rows * (CELL.height + CELL.gap) + MARGIN.bottom;
  sizeSvg(node, width, height);
  const domain = data.domain ?? options.domain ?? finiteExtent([...Array.from(data.values), ...Array.from(data.compare ?? [])]);
  const color =
    options.color === "diverging"
      ? (() => {
          const bound = Math.max(Math.abs(domain[0]), Math.abs(domain[1])) || 1;
          const scale = d3.scaleDiverging((t: number) => d3.interpolateRdBu(1 - t)).domain([-bound, 0, bound]);
          return (v: number) => (Number.isFinite(v) ? scale(v) : "#888");
        })()
      : (() => {
          const scale = d3.scaleSequential(d3.interpolateViridis).domain(domain);
          return (v: number) => (Number.isFinite(v) ? scale(v) : "#888");
        })();
  const barHeight = 14;
  const bar = d3.scaleLinear().domain([Math.min(0, domain[0]), domain[1]]).range([0, barHeight]).clamp(true);
  const at = (i: number) => ({ x: MARGIN.left + (i % perRow) * (CELL.width + CELL.gap), y: MARGIN.top + Math.floor(i / perRow) * (CELL.height + CELL.gap) });
  const svg = d3.select(node);
  const flagged = new Set(data.flagged ?? []);
  const marked = new Set(data.marked ?? []);
  const cells = svg
    .append("g")
    .attr("class", "kit-strip-cells")
    .selectAll("g")
    .data(d3.range(count))
    .join("g")
    .attr("transform", (i) => `translate(${at(i).x},${at(i).y})`);
  cells.append("rect").attr("class", "kit-strip-cell").attr("width", CELL.width).attr("height", CELL.height).attr("rx", 2);
  cells
    .append("text")
    .attr("class", "kit-strip-character")
    .attr("x", CELL.width / 2)
    .attr("y", 15)
    .attr("text-anchor", "middle")
    .text((i) => shownCharacter(data.characters[i]));
  const barWidth = data.compare ? CELL.width / 2 - 1 : CELL.width - 2;
  cells
    .append("rect")
    .attr("class", "kit-strip-bar")
    .attr("x", 1)
    .attr("y", (i) => CELL.height - 2 - bar(data.values[i]))
    .attr("width", barWidth)
    .attr("height", (i) => (Number.isFinite(data.values[i]) ? bar(data.values[i]) : 0))
    .attr("fill", (i) => color(data.values[i]));
  if (data.compare) {
    const compare = data.compare;
    cells
      .append("rect")
      .attr("class", "kit-strip-bar kit-strip-compare")
      .attr("x", CELL.width / 2)
      .attr("y", (i) => CELL.height - 2 - bar(compare[i]))
      .attr("width", barWidth)
      .attr("height", (i) => (Number.isFinite(compare[i]) ? bar(compare[i]) : 0))
      .attr("fill", (i) => color(compare[i]));
  }
  cells.filter((i) => flagged.has(i)).append("rect").attr("class", "kit-strip-flag").attr("width", CELL.width).attr("height", CELL.height).attr("rx", 2).attr("fill", "none");
  cells.filter((i) => marked.has(i)).append("rect").attr("class", "kit-outline").attr("width", CELL.width).attr("height", CELL.height).attr("fill", "none");
  if (data.selected !== undefined && data.selected < count) {
    svg.append("rect").attr("class", "kit-strip-selected").attr("x", at(data.selected).x - 1).attr("y", at(data.selected).y - 1).attr("width", CELL.width + 2).attr("height", CELL.height + 2).attr("rx", 3).attr("fill", "none");
  }
  const describe = (i: number) => {
    const value = `${formatNumber(data.values[i], 3)}${options.unit ? ` ${options.unit}` : ""}`;
    const compare = data.compare ? ` → ${formatNumber(data.compare[i], 3)}${options.unit ? ` ${options.unit}` : ""}` : "";
    const flag = flagged.has(i) ? " (outside the vocabulary: read as the unknown symbol)" : "";
    return `${i}: ${JSON.stringify(data.characters[i])}${flag} — ${options.valueName ?? "value"} ${value}${compare}`;
  };
  const locate = (event: PointerEvent | MouseEvent): number | undefined => {
    const [px, py] = d3.pointer(event, node);
    const column = Math.floor((px - MARGIN.left) / (CELL.width + CELL.gap));
    const row = Math.floor((py - MARGIN.top) / (CELL.height + CELL.gap));
    const i = row * perRow + column;
    return column >= 0 && column < perRow && row >= 0 && i < count ? i : undefined;
  };
  svg.on("pointermove", (event: PointerEvent) => {
    const i = locate(event);
    if (i !== undefined) show(describe(i));
  });
  if (options.onSelect) {
    const onSelect = options.onSelect;
    svg.style("cursor", "pointer").on("click", (event: MouseEvent) => {
      const i = locate(event);
      if (i !== undefined) onSelect(i);
    });
  }
}
