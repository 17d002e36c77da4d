/**
 * The Mamba block as boxes in the order of the official code, each showing its live tensor: the
 * operation, the tensor's name and shape with named dimensions, and a small heatmap of its values.
 * Clicking (or Enter on) a box calls `onSelect(key)`, so the page can open that tensor in full.
 */
import * as d3 from "d3";
import { heatmapColor } from "../charts/heatmap.js";
import { responsiveChart, sizeSvg, type Chart } from "../charts/chart.js";
import { namedShape, type BlockTensor } from "./block-tensors.js";

export interface TensorDiagramData {
  tensors: BlockTensor[];
  selected: string;
}

const BOX_HEIGHT = 64;
const GAP = 16;
/** Cells of the small heatmaps: long tensors are averaged down to at most this many rows/columns. */
const MINI_ROWS = 16;
const MINI_COLUMNS = 32;

/** Means of (rows, columns) over a grid of at most (maxRows, maxColumns) blocks. */
export function downsample(values: ArrayLike<number>, rows: number, columns: number, maxRows: number, maxColumns: number): { values: Float64Array; rows: number; columns: number } {
  const outRows = Math.min(rows, maxRows);
  const outColumns = Math.min(columns, maxColumns);
  const out = new Float64Array(outRows * outColumns);
  const counts = new Float64Array(outRows * outColumns);
  for (let r = 0; r < rows; r++) {
    const R = Math.floor((r * outRows) / rows);
    for (let c = 0; c < columns; c++) {
      const i = R * outColumns + Math.floor((c * outColumns) / columns);
      out[i] += values[r * columns + c];
      counts[i] += 1;
    }
  }
  return { values: out.map((v, i) => v / counts[i]), rows: outRows, columns: outColumns };
}

export function tensorDiagram(data: TensorDiagramData, onSelect: (key: string) => void, options: { width?: number } = {}): Chart<TensorDiagramData> {
  return responsiveChart("mb-diagram", data, options.width ?? 900, (node, current, width) => {
    const { tensors, selected } = current;
    const columns = width >= 640 ? 2 : 1;
    const perColumn = Math.ceil(tensors.length / columns);
    const columnWidth = (width - (columns - 1) * 36) / columns;
    const height = perColumn * (BOX_HEIGHT + GAP) + 4;
    sizeSvg(node, width, height);
    const svg = d3.select(node);
    const miniWidth = Math.min(112, Math.max(72, columnWidth * 0.28));
    tensors.forEach((tensor, index) => {
      const column = Math.floor(index / perColumn);
      const row = index % perColumn;
      const indent = tensor.branch ? 14 : 0;
      const x = column * (columnWidth + 36) + indent;
      const y = row * (BOX_HEIGHT + GAP) + 2;
      const boxWidth = columnWidth - indent;
      const box = svg
        .append("g")
        .attr("class", `mb-box${tensor.key === selected ? " mb-selected" : ""}${tensor.branch ? " mb-branch" : ""}`)
        .attr("data-key", tensor.key)
        .attr("role", "button")
        .attr("tabindex", 0)
        .attr("aria-label", `${tensor.op}: ${tensor.name} ${namedShape(tensor)}. Open this tensor.`)
        .style("cursor", "pointer")
        .on("click", () => onSelect(tensor.key))
        .on("keydown", (event: KeyboardEvent) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            onSelect(tensor.key);
          }
        });
      box.append("rect").attr("class", "mb-frame").attr("x", x).attr("y", y).attr("width", boxWidth).attr("height", BOX_HEIGHT).attr("rx", 6);
      const textWidth = boxWidth - miniWidth - 20;
      box.append("text").attr("class", "mb-op").attr("x", x + 8).attr("y", y + 17).text(fit(tensor.op, textWidth, 6.6));
      box.append("text").attr("class", "mb-name").attr("x", x + 8).attr("y", y + 35).text(fit(tensor.name, textWidth, 7.5));
      // The shape gets the box's whole width (it is the point of the diagram); the heatmap sits above it.
      box.append("text").attr("class", "mb-shape").attr("x", x + 8).attr("y", y + 55).text(fit(namedShape(tensor), boxWidth - 16, 6.4));
      drawMini(box, tensor, x + boxWidth - miniWidth - 6, y + 5, miniWidth, 36);
      if (row < perColumn - 1 && index < tensors.length - 1) {
        svg.append("path").attr("class", "kit-arrow").attr("d", `M${x - indent + 22},${y + BOX_HEIGHT}V${y + BOX_HEIGHT + GAP - 1}`);
      }
    });
    if (columns === 2) {
      // From the bottom of the first column to the top of the second.
      const bottom = perColumn * (BOX_HEIGHT + GAP) - GAP + 2;
      const middle = columnWidth + 18;
      svg.append("path").attr("class", "kit-arrow").attr("d", `M22,${bottom}V${bottom + 2}H${middle}V0H${columnWidth + 36 + 22}V2`);
    }
  });
}

/** The small heatmap of a box: the tensor averaged down to at most MINI_ROWS × MINI_COLUMNS cells. */
function drawMini(box: d3.Selection<SVGGElement, unknown, null, undefined>, tensor: BlockTensor, x: number, y: number, width: number, height: number): void {
  const small = downsample(tensor.values, tensor.rows, tensor.columns, MINI_ROWS, MINI_COLUMNS);
  const { scale } = heatmapColor(tensor.values, { color: "diverging" });
  const cellWidth = width / small.columns;
  const cellHeight = height / small.rows;
  const cells = box.append("g").attr("class", "mb-mini").attr("data-export", "raster");
  cells
    .selectAll("rect")
    .data(Array.from(small.values))
    .join("rect")
    .attr("x", (_v, i) => x + (i % small.columns) * cellWidth)
    .attr("y", (_v, i) => y + Math.floor(i / small.columns) * cellHeight)
    .attr("width", cellWidth + 0.3)
    .attr("height", cellHeight + 0.3)
    .attr("fill", (v) => scale(v));
}

/** Cuts `text` to what fits in `width` px at about `charWidth` px per character. */
function fit(text: string, width: number, charWidth: number): string {
  const max = Math.max(4, Math.floor(width / charWidth));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
