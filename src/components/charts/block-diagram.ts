/** A Mamba block as a small diagram whose tensor shapes are written with named dimensions and live sizes. */
import * as d3 from "d3";
import { responsiveChart, sizeSvg, type Chart } from "./chart.js";

/** Sizes of one block (src/math.md#block); `channels` is the inner width Di = expand · d_model. */
export interface BlockShapes {
  batch: number;
  length: number;
  dModel: number;
  channels: number;
  state: number;
  /** Δ's low rank R. */
  rank: number;
  convWidth: number;
}

type Dim = "batch" | "length" | "d_model" | "channels" | "state" | "rank";

/** "(batch 1, length 8, channels 32)": each dimension named, with its current size. */
export function shapeLabel(shapes: BlockShapes, dims: readonly Dim[]): string {
  const size: Record<Dim, number> = {
    batch: shapes.batch,
    length: shapes.length,
    d_model: shapes.dModel,
    channels: shapes.channels,
    state: shapes.state,
    rank: shapes.rank,
  };
  return `(${dims.map((dim) => `${dim} ${size[dim]}`).join(", ")})`;
}

interface Step {
  op: string;
  tensor: string;
  dims: readonly Dim[];
  sym?: string;
}

/** The block's main path top to bottom; the gate branch z is drawn as a line beside it. */
function steps(shapes: BlockShapes): Step[] {
  return [
    { op: "input u", tensor: "u", dims: ["batch", "length", "d_model"] },
    { op: "in_proj → x, z", tensor: "x, z", dims: ["batch", "length", "channels"] },
    { op: `causal conv1d (width ${shapes.convWidth}), SiLU`, tensor: "x", dims: ["batch", "length", "channels"] },
    { op: "x_proj, dt_proj, softplus → Δ", tensor: "Δ", dims: ["batch", "length", "channels"], sym: "delta" },
    { op: "x_proj → B, C", tensor: "B, C", dims: ["batch", "length", "state"], sym: "b" },
    { op: "selective scan: state h", tensor: "h", dims: ["batch", "channels", "state"], sym: "h" },
    { op: "y = C·h + D·x", tensor: "y", dims: ["batch", "length", "channels"], sym: "y" },
    { op: "y ⊙ SiLU(z), out_proj", tensor: "out", dims: ["batch", "length", "d_model"] },
  ];
}

/** Boxes for the operations, arrows between them (left), each labelled with the tensor and its shape. */
export function blockDiagram(shapes: BlockShapes, options: { width?: number } = {}): Chart<BlockShapes> {
  return responsiveChart("kit-block-diagram", shapes, options.width ?? 520, (node, current, width) => {
    const list = steps(current);
    const rowHeight = 50;
    const top = 12;
    const height = top + list.length * rowHeight + 4;
    sizeSvg(node, width, height);
    const svg = d3.select(node);
    const branchWidth = 24;
    const mainWidth = width - branchWidth - 24;
    const center = mainWidth / 2 + 4;
    list.forEach((step, index) => {
      const y = top + index * rowHeight;
      const box = svg.append("g").attr("class", "kit-block-step");
      if (step.sym) box.attr("data-sym", step.sym);
      box.append("rect").attr("x", 4).attr("y", y).attr("width", mainWidth).attr("height", 24).attr("rx", 5);
      box.append("text").attr("x", center).attr("y", y + 12).attr("text-anchor", "middle").attr("dominant-baseline", "central").text(step.op);
      svg
        .append("text")
        .attr("class", "kit-shape")
        .attr("x", 28)
        .attr("y", y + 37)
        .attr("text-anchor", "start")
        .text(`${step.tensor} ${shapeLabel(current, step.dims)}`);
      if (index < list.length - 1) svg.append("path").attr("class", "kit-arrow").attr("d", `M20,${y + 26}V${y + rowHeight - 2}`);
    });
    // The gate branch: z leaves in_proj and rejoins at the last step.
    const branchX = width - branchWidth / 2 - 4;
    const zTop = top + rowHeight + 12;
    const zBottom = top + (list.length - 1) * rowHeight + 12;
    svg.append("path").attr("class", "kit-arrow").attr("d", `M${mainWidth + 4},${zTop}H${branchX}V${zBottom}H${mainWidth + 4}`);
    svg.append("text").attr("class", "kit-shape").attr("x", branchX + 4).attr("y", (zTop + zBottom) / 2).text("z");
  });
}
