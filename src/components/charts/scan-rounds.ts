/**
 * A parallel scan round by round: one row per round (the input pairs first), one column per element,
 * each cell showing the b of the pair (h so far), in units of a power of ten written in the corner so
 * that small states stay readable, with its exact a and b in the tooltip; the combinations of a round
 * are drawn as arrows from the earlier element of the previous row to the updated cell. Rounds after
 * `shown` are left blank, so stepping `shown` animates the algorithm.
 */
import * as d3 from "d3";
import type { ScanPairs, ScanRound } from "../../engine/scans.js";
import { formatNumber } from "../format.js";
import { sizeSvg, type Chart } from "./chart.js";

export interface ScanRoundsData {
  input: ScanPairs;
  rounds: readonly ScanRound[];
  /** Rounds drawn (0 = only the input). */
  shown: number;
}

const CELL_WIDTH = 34;
const ROW_HEIGHT = 44;
/** Height of a cell; the rest of the row is the gap the arrows cross. */
const CELL_HEIGHT = 24;
const LABEL_WIDTH = 88;

export function scanRounds(data: ScanRoundsData): Chart<ScanRoundsData> {
  const root = document.createElement("div") as unknown as Chart<ScanRoundsData>;
  root.className = "kit-chart kit-scan-rounds";
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  Object.defineProperty(root, "svg", { value: svg });
  let current = data;
  Object.defineProperty(root, "data", { get: () => current });
  root.append(svg);
  root.update = (next) => {
    current = next;
    draw(svg, next);
  };
  draw(svg, data);
  return root;
}

function draw(node: SVGSVGElement, data: ScanRoundsData): void {
  node.replaceChildren();
  const length = data.input.b.length;
  const rows = [{ phase: "input", pairs: data.input, combined: [] as ScanRound["combined"] }, ...data.rounds];
  const width = LABEL_WIDTH + length * CELL_WIDTH + 8;
  const height = rows.length * ROW_HEIGHT + 8;
  sizeSvg(node, width, height);
  const svg = d3.select(node);
  const cx = (i: number) => LABEL_WIDTH + i * CELL_WIDTH + CELL_WIDTH / 2;
  const top = (row: number) => 2 + row * ROW_HEIGHT;
  const exponent = displayExponent(rows.flatMap((row) => Array.from(row.pairs.b)));
  const unit = 10 ** exponent;
  const header = svg.append("g").attr("class", "kit-axis-labels");
  header.append("text").attr("class", "kit-scan-unit").attr("x", 2).attr("y", 14).text(exponent === 0 ? "b" : `b in 1e${exponent}`);
  for (let i = 0; i < length; i++) header.append("text").attr("x", cx(i)).attr("y", 14).attr("text-anchor", "middle").text(`t=${i}`);
  rows.forEach((row, r) => {
    if (r > data.shown) return;
    const g = svg.append("g").attr("class", "kit-scan-row").attr("data-round", r);
    g.append("text").attr("class", "kit-axis-title").attr("x", 2).attr("y", top(r) + ROW_HEIGHT - CELL_HEIGHT / 2 + 4).text(row.phase);
    const updated = new Set(row.combined.map((c) => c.target));
    for (let i = 0; i < length; i++) {
      const cell = g.append("g").attr("data-cell", i);
      cell.append("rect").attr("x", cx(i) - CELL_WIDTH / 2 + 2).attr("y", top(r) + ROW_HEIGHT - CELL_HEIGHT).attr("width", CELL_WIDTH - 4).attr("height", CELL_HEIGHT).attr("rx", 3)
        .attr("fill", updated.has(i) ? "color-mix(in srgb, var(--kit-highlight) 30%, transparent)" : "var(--theme-background-alt)")
        .attr("stroke", "var(--theme-foreground-faintest)");
      cell.append("text").attr("x", cx(i)).attr("y", top(r) + ROW_HEIGHT - CELL_HEIGHT / 2 + 4).attr("text-anchor", "middle").attr("font-size", 9.5).attr("font-family", "var(--monospace)")
        .text((row.pairs.b[i] / unit).toFixed(2).replace("-", "−"));
      cell.append("title").text(`${row.phase}, element ${i}: a = ${formatNumber(row.pairs.a[i], 4)}, b = ${formatNumber(row.pairs.b[i], 4)}`);
    }
    if (r === 0) return;
    for (const { source, target } of row.combined) {
      if (source === target) continue;
      g.append("path").attr("class", "kit-arrow").attr("d", `M${cx(source)},${top(r)}L${cx(target)},${top(r) + ROW_HEIGHT - CELL_HEIGHT}`).attr("stroke", "var(--kit-highlight)");
    }
  });
}

/** The power of ten that brings the largest |b| into [1, 10) (0 when all are 0 or already that size). */
function displayExponent(values: readonly number[]): number {
  const largest = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs));
  return largest > 0 ? Math.floor(Math.log10(largest)) : 0;
}
