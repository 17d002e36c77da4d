/** Horizontal bars with a label each, largest first as given: the next character's probabilities, for one. */
import * as d3 from "d3";
import { formatNumber } from "../format.js";
import { responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";

export interface BarListData {
  labels: readonly string[];
  values: ArrayLike<number>;
  /** A second value per bar, drawn as a thinner bar below the first (e.g. after a perturbation). */
  compare?: ArrayLike<number>;
  /** Bars drawn highlighted (e.g. the character that actually came next). */
  highlighted?: readonly number[];
}

export interface BarListOptions {
  width?: number;
  /** The value axis' maximum; default the largest value. */
  max?: number;
  format?: (value: number) => string;
}

const ROW = 20;
const MARGIN = { top: 4, right: 56, bottom: 4, left: 44 };

export function barList(data: BarListData, options: BarListOptions = {}): Chart<BarListData> {
  return responsiveChart("kit-bar-list", data, options.width ?? 360, (node, current, width) => {
    const count = current.labels.length;
    const height = MARGIN.top + Math.max(1, count) * ROW + MARGIN.bottom;
    sizeSvg(node, width, height);
    const values = Array.from(current.values);
    const max = options.max ?? Math.max(1e-12, ...values, ...Array.from(current.compare ?? []));
    const x = d3.scaleLinear().domain([0, max]).range([MARGIN.left, width - MARGIN.right]).clamp(true);
    const format = options.format ?? ((value: number) => formatNumber(value, 3));
    const highlighted = new Set(current.highlighted ?? []);
    const svg = d3.select(node);
    const rows = svg
      .append("g")
      .selectAll("g")
      .data(d3.range(count))
      .join("g")
      .attr("transform", (i) => `translate(0,${MARGIN.top + i * ROW})`);
    rows.append("text").attr("class", "kit-axis-labels").attr("x", MARGIN.left - 6).attr("y", ROW / 2).attr("dominant-baseline", "central").attr("text-anchor", "end").text((i) => current.labels[i]);
    const thick = current.compare ? ROW / 2 - 2 : ROW - 6;
    rows
      .append("rect")
      .attr("class", (i) => (highlighted.has(i) ? "kit-bar kit-bar-highlight" : "kit-bar"))
      .attr("x", MARGIN.left)
      .attr("y", 3)
      .attr("width", (i) => Math.max(0, x(values[i]) - MARGIN.left))
      .attr("height", thick)
      .attr("fill", seriesColor(0));
    if (current.compare) {
      const compare = current.compare;
      rows.append("rect").attr("class", "kit-bar").attr("x", MARGIN.left).attr("y", 3 + thick + 1).attr("width", (i) => Math.max(0, x(compare[i]) - MARGIN.left)).attr("height", thick).attr("fill", seriesColor(1));
    }
    rows.append("text").attr("class", "kit-axis-labels").attr("x", (i) => x(values[i]) + 4).attr("y", ROW / 2).attr("dominant-baseline", "central").text((i) => format(values[i]));
  });
}
