/** Line plot of several series on linear or log axes. */
import * as d3 from "d3";
import { drawAxes, finiteExtent, responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
  /** Links this line to equation symbols / legend entries with the same key (live-math). */
  sym?: string;
  /** Draws a dot at every point of this series only (options.points does it for all). */
  points?: boolean;
}

export interface LinePlotOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  xScale?: "linear" | "log";
  yScale?: "linear" | "log";
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Draws a dot at every point (for short discrete sequences). */
  points?: boolean;
}

/**
 * Lines y(x) for each series; points that a log axis cannot show (≤ 0) or that are not finite break
 * the line instead of bending it. `update(series)` redraws.
 */
export function linePlot(series: readonly Series[], options: LinePlotOptions = {}): Chart<readonly Series[]> {
  return responsiveChart("kit-line-plot", series, options.width, (node, data, width) => {
    const height = options.height ?? 300;
    const margin = { top: 24, right: 16, bottom: 36, left: 52 };
    sizeSvg(node, width, height);
    const xLog = options.xScale === "log";
    const yLog = options.yScale === "log";
    const allX = data.flatMap((s) => Array.from(s.x));
    const allY = data.flatMap((s) => Array.from(s.y));
    const xDomain = options.xDomain ?? finiteExtent(allX, xLog);
    const yDomain = options.yDomain ?? finiteExtent(allY, yLog);
    const x = (xLog ? d3.scaleLog() : d3.scaleLinear()).domain(xDomain).range([margin.left, width - margin.right]);
    const y = (yLog ? d3.scaleLog() : d3.scaleLinear()).domain(yDomain).range([height - margin.bottom, margin.top]);
    if (!options.yDomain) y.nice();
    const svg = d3.select(node);
    drawAxes(svg, x, y, { width, height, margin }, { x: options.xLabel, y: options.yLabel });
    const visible = (xv: number, yv: number) =>
      Number.isFinite(xv) && Number.isFinite(yv) && (!xLog || xv > 0) && (!yLog || yv > 0);
    data.forEach((s, index) => {
      const points = Array.from(s.x, (xv, i) => [xv, s.y[i]] as [number, number]);
      const line = d3
        .line<[number, number]>()
        .defined(([xv, yv]) => visible(xv, yv))
        .x(([xv]) => x(xv))
        .y(([, yv]) => y(yv));
      const path = svg
        .append("path")
        .attr("class", "kit-series")
        .attr("d", line(points))
        .attr("stroke", seriesColor(index, s.color))
        .attr("fill", "none");
      if (s.dashed) path.attr("stroke-dasharray", "5 4");
      if (s.sym) path.attr("data-sym", s.sym);
      path.append("title").text(s.name);
      if (options.points || s.points) {
        svg
          .append("g")
          .attr("fill", seriesColor(index, s.color))
          .selectAll("circle")
          .data(points.filter(([xv, yv]) => visible(xv, yv)))
          .join("circle")
          .attr("class", "kit-point")
          .attr("cx", ([xv]) => x(xv))
          .attr("cy", ([, yv]) => y(yv))
          .attr("r", 2.5);
      }
    });
  });
}
