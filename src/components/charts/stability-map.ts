/**
 * The stability map of a discretisation: on the left Ā against Δλ (λ = −a) for each rule with the
 * stable band |Ā| < 1 shaded; on the right the same Ā values in the complex plane with the unit
 * circle. The reader's current Δλ is marked in both. One SVG, so the figure exports as one drawing;
 * the panels sit side by side when there is room and stack on a phone.
 */
import * as d3 from "d3";
import { clippedGroup, drawAxes, responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";
import { drawComplexPlane } from "./complex-plane.js";

export interface StabilityCurve {
  name: string;
  color?: string;
  /** Δλ values (samples) and Ā at each (samples). */
  x: ArrayLike<number>;
  aBar: ArrayLike<number>;
  /** Ā at the reader's current Δλ. */
  current: number;
}

export interface StabilityMapData {
  curves: readonly StabilityCurve[];
  /** The reader's Δλ. */
  current: number;
}

const MARGIN = { top: 24, right: 16, bottom: 36, left: 44 };
/**
 * The Ā axis. Curves are clipped to it, so Euler's Ā = 1 − Δλ leaves the plot at the bottom; only the
 * reader's markers are pinned to the edge, so a marker never disappears.
 */
const A_BAR_RANGE: [number, number] = [-2.5, 1.25];

export function stabilityMap(data: StabilityMapData, options: { width?: number } = {}): Chart<StabilityMapData> {
  return responsiveChart("kit-stability-map", data, options.width ?? 760, (node, current, width) => {
    const sideBySide = width >= 600;
    const panelWidth = sideBySide ? Math.floor(width * 0.58) : width;
    const planeSize = sideBySide ? Math.min(width - panelWidth - MARGIN.left - MARGIN.right, 300) : Math.min(width - MARGIN.left - MARGIN.right, 280);
    const plotHeight = sideBySide ? planeSize + MARGIN.top + MARGIN.bottom : 260;
    const height = sideBySide ? plotHeight : plotHeight + planeSize + MARGIN.top + MARGIN.bottom;
    sizeSvg(node, width, height);
    const svg = d3.select(node);
    const xHigh = d3.max(current.curves, (c) => d3.max(Array.from(c.x))) ?? 4;
    const x = d3.scaleLinear().domain([0, xHigh]).range([MARGIN.left, panelWidth - MARGIN.right]);
    const y = d3.scaleLinear().domain(A_BAR_RANGE).range([plotHeight - MARGIN.bottom, MARGIN.top]);
    const pin = (v: number) => Math.min(A_BAR_RANGE[1], Math.max(A_BAR_RANGE[0], v));
    svg.append("rect").attr("class", "kit-stable-region").attr("style", "fill: color-mix(in srgb, #59a14f 18%, transparent)")
      .attr("x", x(0)).attr("y", y(1)).attr("width", x(xHigh) - x(0)).attr("height", y(-1) - y(1));
    svg.append("text").attr("x", x(xHigh) - 4).attr("y", y(1) + 14).attr("text-anchor", "end").attr("style", "fill: #59a14f; font-weight: 600").text("|Ā| < 1: stable");
    drawAxes(svg, x, y, { width: panelWidth, height: plotHeight, margin: MARGIN }, { x: "Δλ = −Δa", y: "Ā" });
    svg.append("line").attr("class", "kit-zero").attr("x1", x(0)).attr("x2", x(xHigh)).attr("y1", y(0)).attr("y2", y(0));
    const curves = clippedGroup(svg, { left: x(0), top: y(A_BAR_RANGE[1]), width: x(xHigh) - x(0), height: y(A_BAR_RANGE[0]) - y(A_BAR_RANGE[1]) });
    current.curves.forEach((curve, index) => {
      const points = Array.from(curve.x, (xv, i) => [x(xv), y(curve.aBar[i])] as [number, number]);
      curves.append("path").attr("class", "kit-series").attr("fill", "none").attr("stroke", seriesColor(index, curve.color)).attr("d", d3.line()(points)).append("title").text(curve.name);
    });
    const marker = x(Math.min(xHigh, current.current));
    svg.append("line").attr("class", "kit-current").attr("x1", marker).attr("x2", marker).attr("y1", MARGIN.top).attr("y2", plotHeight - MARGIN.bottom)
      .attr("style", "stroke: var(--theme-foreground-muted)").attr("stroke-dasharray", "3 3");
    current.curves.forEach((curve, index) => {
      svg.append("circle").attr("class", "kit-marker").attr("cx", marker).attr("cy", y(pin(curve.current))).attr("r", 4.5)
        .attr("fill", seriesColor(index, curve.color)).attr("data-abar", curve.current).append("title").text(`${curve.name}: Ā = ${curve.current}`);
    });
    const planeBox = sideBySide
      ? { left: panelWidth + MARGIN.left, top: MARGIN.top, size: planeSize }
      : { left: MARGIN.left, top: plotHeight + MARGIN.top, size: planeSize };
    const reach = Math.max(1.25, ...current.curves.map((c) => Math.min(2.5, Math.abs(c.current) + 0.25)));
    drawComplexPlane(svg, {
      region: "unit-disc",
      unitCircle: true,
      markers: current.curves.map((curve, index) => ({ name: curve.name, re: curve.current, im: 0, color: seriesColor(index, curve.color), label: curve.name })),
      domain: { re: [-reach, reach], im: [-reach, reach] },
    }, planeBox, { x: "Re Ā", y: "Im Ā" });
  });
}
