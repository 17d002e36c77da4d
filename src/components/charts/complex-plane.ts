/**
 * The complex plane: a shaded stability region (the left half-plane for h' = A h, the unit disc for
 * h_k = Ā h_{k−1}), the unit circle, curves and marked points such as eigenvalues. `drawComplexPlane`
 * draws into any box of an SVG, so other charts (the stability map) can put a plane beside a plot.
 */
import * as d3 from "d3";
import { clippedGroup, drawAxes, responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";

export interface ComplexPoint {
  re: number;
  im: number;
}

export interface ComplexMarker extends ComplexPoint {
  name: string;
  color?: string;
  /** Text written beside the marker. */
  label?: string;
  sym?: string;
}

export interface ComplexPlaneData {
  /** Where a mode is stable: shaded and labelled. */
  region?: "left-half-plane" | "unit-disc";
  regionLabel?: string;
  unitCircle?: boolean;
  curves?: readonly { name: string; points: readonly ComplexPoint[]; color?: string }[];
  markers: readonly ComplexMarker[];
  /** Re and Im ranges; the plot keeps one unit equal on both axes by widening the shorter one. */
  domain: { re: [number, number]; im: [number, number] };
}

export interface ComplexPlaneOptions {
  width?: number;
  xLabel?: string;
  yLabel?: string;
}

const STABLE_FILL = "fill: color-mix(in srgb, #59a14f 18%, transparent)";
const MARGIN = { top: 24, right: 16, bottom: 36, left: 44 };

/** Square scales over a box: equal units on both axes, centred on the requested domain. */
function equalScales(domain: ComplexPlaneData["domain"], box: { left: number; top: number; size: number }) {
  const span = Math.max(domain.re[1] - domain.re[0], domain.im[1] - domain.im[0]);
  const centre = [(domain.re[0] + domain.re[1]) / 2, (domain.im[0] + domain.im[1]) / 2];
  const x = d3.scaleLinear().domain([centre[0] - span / 2, centre[0] + span / 2]).range([box.left, box.left + box.size]);
  const y = d3.scaleLinear().domain([centre[1] - span / 2, centre[1] + span / 2]).range([box.top + box.size, box.top]);
  return { x, y };
}

/** Draws the plane into `svg` within the square box (plot area, without the axis margins). */
export function drawComplexPlane(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>,
  data: ComplexPlaneData,
  box: { left: number; top: number; size: number },
  labels: { x: string; y: string },
): void {
  const { x, y } = equalScales(data.domain, box);
  const [reLow, reHigh] = x.domain();
  const [imLow, imHigh] = y.domain();
  const plane = clippedGroup(svg, { left: box.left, top: box.top, width: box.size, height: box.size });
  if (data.region === "left-half-plane" && reLow < 0) {
    plane.append("rect").attr("class", "kit-stable-region").attr("style", STABLE_FILL)
      .attr("x", x(reLow)).attr("y", box.top).attr("width", x(Math.min(0, reHigh)) - x(reLow)).attr("height", box.size);
  }
  if (data.region === "unit-disc") {
    plane.append("circle").attr("class", "kit-stable-region").attr("style", STABLE_FILL).attr("cx", x(0)).attr("cy", y(0)).attr("r", x(1) - x(0));
  }
  if (data.unitCircle) {
    plane.append("circle").attr("class", "kit-unit-circle").attr("fill", "none").attr("style", "stroke: var(--theme-foreground-muted)")
      .attr("stroke-dasharray", "4 3").attr("cx", x(0)).attr("cy", y(0)).attr("r", x(1) - x(0));
  }
  const axes = { width: box.left + box.size + MARGIN.right, height: box.top + box.size + MARGIN.bottom, margin: { ...MARGIN, left: box.left, top: box.top } };
  // drawAxes puts the y title at the SVG's left edge; this plane may sit beside another panel, so its title is placed here.
  drawAxes(svg, x, y, axes, { x: labels.x });
  svg.append("text").attr("class", "kit-axis-title").attr("x", box.left - 28).attr("y", box.top - 10).attr("text-anchor", "start").text(labels.y);
  if (imLow < 0 && imHigh > 0) plane.append("line").attr("class", "kit-zero").attr("x1", box.left).attr("x2", box.left + box.size).attr("y1", y(0)).attr("y2", y(0));
  if (reLow < 0 && reHigh > 0) plane.append("line").attr("class", "kit-zero").attr("x1", x(0)).attr("x2", x(0)).attr("y1", box.top).attr("y2", box.top + box.size);
  if (data.regionLabel) {
    svg.append("text").attr("class", "kit-region-label").attr("x", box.left + 6).attr("y", box.top + box.size - 8).attr("style", "fill: #59a14f; font-weight: 600").text(data.regionLabel);
  }
  (data.curves ?? []).forEach((curve, index) => {
    plane.append("path").attr("class", "kit-series").attr("fill", "none").attr("stroke", seriesColor(index, curve.color)).attr("stroke-opacity", 0.6)
      .attr("d", d3.line<ComplexPoint>().defined((p) => Number.isFinite(p.re) && Number.isFinite(p.im)).x((p) => x(p.re)).y((p) => y(p.im))(curve.points as ComplexPoint[]))
      .append("title").text(curve.name);
  });
  data.markers.forEach((marker, index) => {
    const color = seriesColor(index, marker.color);
    // A marker outside the visible square is pinned to its edge (hollow), so it never disappears.
    const inside = marker.re >= reLow && marker.re <= reHigh && marker.im >= imLow && marker.im <= imHigh;
    const cx = x(Math.min(reHigh, Math.max(reLow, marker.re)));
    const cy = y(Math.min(imHigh, Math.max(imLow, marker.im)));
    const dot = svg.append("circle").attr("class", "kit-marker").attr("cx", cx).attr("cy", cy).attr("r", 5)
      .attr("fill", inside ? color : "none").attr("stroke", color).attr("stroke-width", 2)
      .attr("data-re", marker.re).attr("data-im", marker.im);
    if (marker.sym) dot.attr("data-sym", marker.sym);
    dot.append("title").text(marker.name);
    if (marker.label) {
      const right = cx < box.left + box.size * 0.6;
      svg.append("text").attr("class", "kit-marker-label").attr("x", cx + (right ? 8 : -8)).attr("y", cy - 8 - 13 * (marker.im === 0 ? index : 0))
        .attr("text-anchor", right ? "start" : "end").attr("style", `fill: ${color}; font-weight: 600`).text(marker.label);
    }
  });
}

/** A square complex plane; `update(data)` redraws. */
export function complexPlane(data: ComplexPlaneData, options: ComplexPlaneOptions = {}): Chart<ComplexPlaneData> {
  return responsiveChart("kit-complex-plane", data, options.width ?? 360, (node, current, width) => {
    const size = width - MARGIN.left - MARGIN.right;
    sizeSvg(node, width, size + MARGIN.top + MARGIN.bottom);
    drawComplexPlane(d3.select(node), current, { left: MARGIN.left, top: MARGIN.top, size }, { x: options.xLabel ?? "Re", y: options.yLabel ?? "Im" });
  });
}
