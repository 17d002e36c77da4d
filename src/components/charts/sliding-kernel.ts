/**
 * The causal convolution y_k = Σ_j K̄_j x_{k−j} drawn as it is computed: the input x, the kernel
 * flipped and shifted so that K̄_j sits under x_{k−j}, and the outputs y_0 … y_k so far, the current
 * one highlighted. Three bands share one horizontal axis (the token t).
 */
import * as d3 from "d3";
import { finiteExtent, responsiveChart, seriesColor, sizeSvg, type Chart } from "./chart.js";

export interface SlidingKernelData {
  /** x_t (length) */
  x: ArrayLike<number>;
  /** K̄_ℓ (≥ length) */
  kernel: ArrayLike<number>;
  /** y_t (length), all of it; only t ≤ position is drawn */
  y: ArrayLike<number>;
  /** k, the output being computed */
  position: number;
}

export interface SlidingKernelOptions {
  width?: number;
  bandHeight?: number;
}

const BANDS = ["input x_t", "flipped kernel K̄ at lag k − t", "output y_t"] as const;

export function slidingKernel(data: SlidingKernelData, options: SlidingKernelOptions = {}): Chart<SlidingKernelData> {
  return responsiveChart("kit-sliding-kernel", data, options.width, (node, current, width) => {
    const bandHeight = options.bandHeight ?? 96;
    const gap = 22;
    const margin = { top: 8, right: 12, bottom: 34, left: 52 };
    const height = margin.top + BANDS.length * (bandHeight + gap) + margin.bottom - gap;
    sizeSvg(node, width, height);
    const length = current.x.length;
    const k = Math.max(0, Math.min(length - 1, Math.round(current.position)));
    const x = d3.scaleLinear().domain([-0.5, Math.max(length, 1) - 0.5]).range([margin.left, width - margin.right]);
    const flipped = Array.from({ length }, (_, t) => (t <= k ? current.kernel[k - t] : NaN));
    const outputs = Array.from({ length }, (_, t) => (t <= k ? current.y[t] : NaN));
    const bands = [Array.from(current.x), flipped, outputs];
    const domains = [finiteExtent([0, ...bands[0]]), finiteExtent([0, ...Array.from(current.kernel).slice(0, length)]), finiteExtent([0, ...Array.from(current.y)])];
    const svg = d3.select(node);
    // The window: the inputs that enter y_k.
    svg.append("rect").attr("class", "kit-window").attr("x", x(-0.5)).attr("width", Math.max(0, x(k + 0.5) - x(-0.5)))
      .attr("y", margin.top).attr("height", 2 * bandHeight + gap).attr("fill", "var(--kit-highlight)").attr("opacity", 0.1);
    bands.forEach((values, band) => {
      const top = margin.top + band * (bandHeight + gap);
      const y = d3.scaleLinear().domain(domains[band]).range([top + bandHeight - 4, top + 12]).nice();
      svg.append("text").attr("class", "kit-axis-title").attr("x", margin.left).attr("y", top + 8).text(band === 2 ? `${BANDS[band]}, now k = ${k}` : BANDS[band]);
      svg.append("g").attr("class", "kit-axis").attr("transform", `translate(${margin.left},0)`).call(d3.axisLeft(y).ticks(2).tickFormat(d3.format(".2~g")));
      svg.append("line").attr("class", "kit-zero").attr("x1", margin.left).attr("x2", width - margin.right).attr("y1", y(0)).attr("y2", y(0));
      const stems = svg.append("g").attr("class", "kit-stems").attr("data-band", band);
      values.forEach((value, t) => {
        if (!Number.isFinite(value)) return;
        const active = band === 2 ? t === k : t <= k;
        const color = active ? seriesColor(band) : "var(--theme-foreground-faint)";
        stems.append("line").attr("x1", x(t)).attr("x2", x(t)).attr("y1", y(0)).attr("y2", y(value)).attr("stroke", color);
        stems.append("circle").attr("cx", x(t)).attr("cy", y(value)).attr("r", t === k ? 4 : 2.5).attr("fill", color);
      });
    });
    const axis = svg.append("g").attr("class", "kit-axis").attr("transform", `translate(0,${height - margin.bottom})`);
    axis.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor(width / 70))).tickFormat(d3.format("d")));
    svg.append("text").attr("class", "kit-axis-title").attr("x", width - margin.right).attr("y", height - 2).attr("text-anchor", "end").text("token t");
  });
}
