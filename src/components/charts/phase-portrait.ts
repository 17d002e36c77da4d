/** Phase portrait of a 2-D system: arrows of the vector field on a grid, and trajectories over it. */
import * as d3 from "d3";
import { drawAxes, responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";

export interface Trajectory {
  name: string;
  /** Points (x, y) in order of time. */
  points: readonly (readonly [number, number])[];
  color?: string;
  sym?: string;
}

export interface PhasePortraitData {
  /** The derivative (dx/dt, dy/dt) at (x, y). */
  field: (x: number, y: number) => readonly [number, number];
  trajectories: readonly Trajectory[];
}

export interface PhasePortraitOptions {
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Arrows per side of the grid. */
  grid?: number;
  width?: number;
  xLabel?: string;
  yLabel?: string;
}

/**
 * Square plot: a grid of arrows whose length is proportional to the field's speed (longest = one
 * grid cell), then each trajectory as a line with a dot at its start.
 */
export function phasePortrait(data: PhasePortraitData, options: PhasePortraitOptions = {}): Chart<PhasePortraitData> {
  return responsiveChart("kit-phase-portrait", data, options.width ?? 420, (node, current, width) => {
    const margin = { top: 24, right: 16, bottom: 36, left: 44 };
    const height = width;
    sizeSvg(node, width, height);
    const x = d3.scaleLinear().domain(options.xDomain ?? [-2, 2]).range([margin.left, width - margin.right]);
    const y = d3.scaleLinear().domain(options.yDomain ?? [-2, 2]).range([height - margin.bottom, margin.top]);
    const svg = d3.select(node);
    drawAxes(svg, x, y, { width, height, margin }, { x: options.xLabel ?? "h₁", y: options.yLabel ?? "h₂" });
    const grid = options.grid ?? 13;
    const samples = d3.range(grid).flatMap((i) =>
      d3.range(grid).map((j) => {
        const px = x.invert(margin.left + ((i + 0.5) * (width - margin.left - margin.right)) / grid);
        const py = y.invert(margin.top + ((j + 0.5) * (height - margin.top - margin.bottom)) / grid);
        const [dx, dy] = current.field(px, py);
        return { px, py, dx: x(px + dx) - x(px), dy: y(py + dy) - y(py) };
      }),
    );
    const longest = d3.max(samples, (s) => Math.hypot(s.dx, s.dy)) || 1;
    const cellSize = (width - margin.left - margin.right) / grid;
    const arrows = svg.append("g").attr("class", "kit-field");
    for (const sample of samples) {
      const length = Math.hypot(sample.dx, sample.dy);
      if (!Number.isFinite(length) || length === 0) continue;
      const scale = (0.8 * cellSize) / longest;
      const [x0, y0] = [x(sample.px), y(sample.py)];
      const [x1, y1] = [x0 + sample.dx * scale, y0 + sample.dy * scale];
      const angle = Math.atan2(y1 - y0, x1 - x0);
      const head = Math.min(4, length * scale * 0.4);
      const wing = (side: number) => [x1 - head * Math.cos(angle + side * 0.5), y1 - head * Math.sin(angle + side * 0.5)];
      arrows.append("path").attr("d", `M${x0},${y0}L${x1},${y1}M${wing(1).join(",")}L${x1},${y1}L${wing(-1).join(",")}`);
    }
    current.trajectories.forEach((trajectory, index) => {
      const color = seriesColor(index, trajectory.color);
      const path = svg
        .append("path")
        .attr("class", "kit-series")
        .attr("fill", "none")
        .attr("stroke", color)
        .attr("d", d3.line()(trajectory.points.map(([px, py]) => [x(px), y(py)])));
      if (trajectory.sym) path.attr("data-sym", trajectory.sym);
      path.append("title").text(trajectory.name);
      const start = trajectory.points[0];
      if (start) svg.append("circle").attr("class", "kit-point").attr("cx", x(start[0])).attr("cy", y(start[1])).attr("r", 3.5).attr("fill", color);
    });
  });
}
