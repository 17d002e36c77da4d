/** Stem plot for kernels and other short discrete sequences: a stem and a dot per index. */
import * as d3 from "d3";
import { drawAxes, finiteExtent, responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";

export interface StemData {
  values: ArrayLike<number>;
  /** Positions of the stems; default 0, 1, 2, … */
  x?: ArrayLike<number>;
}

export interface StemPlotOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  color?: string;
  yDomain?: [number, number];
  sym?: string;
}

/** Stems from 0 to each value (K̄_ℓ against ℓ, for example); the zero line is drawn across. */
export function stemPlot(data: StemData, options: StemPlotOptions = {}): Chart<StemData> {
  return responsiveChart("kit-stem-plot", data, options.width, (node, current, width) => {
    const height = options.height ?? 240;
    const margin = { top: 24, right: 16, bottom: 36, left: 52 };
    sizeSvg(node, width, height);
    const positions = current.x ? Array.from(current.x) : d3.range(current.values.length);
    const values = Array.from(current.values);
    const [low, high] = finiteExtent(positions);
    const x = d3.scaleLinear().domain([low - 0.5, high + 0.5]).range([margin.left, width - margin.right]);
    const [vLow, vHigh] = options.yDomain ?? finiteExtent([0, ...values]);
    const y = d3.scaleLinear().domain([vLow, vHigh]).range([height - margin.bottom, margin.top]);
    if (!options.yDomain) y.nice();
    const svg = d3.select(node);
    drawAxes(svg, x, y, { width, height, margin }, { x: options.xLabel, y: options.yLabel });
    svg.append("line").attr("class", "kit-zero").attr("x1", margin.left).attr("x2", width - margin.right).attr("y1", y(0)).attr("y2", y(0));
    const color = seriesColor(0, options.color);
    const stems = svg.append("g").attr("class", "kit-stems").attr("stroke", color).attr("fill", color);
    if (options.sym) stems.attr("data-sym", options.sym);
    values.forEach((value, i) => {
      if (!Number.isFinite(value)) return;
      stems.append("line").attr("x1", x(positions[i])).attr("x2", x(positions[i])).attr("y1", y(0)).attr("y2", y(value));
      stems.append("circle").attr("cx", x(positions[i])).attr("cy", y(value)).attr("r", 3);
    });
  });
}
