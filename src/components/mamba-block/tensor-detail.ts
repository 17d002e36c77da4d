/**
 * One tensor of the block in full, with the kit's heatmap (hover read-out). The heatmap's axis names
 * are fixed when it is created, so it is rebuilt when the reader opens a tensor with other axes
 * (token × channel, channel × state, …) and updated in place otherwise.
 */
import { heatmap, type HeatmapData } from "../charts/heatmap.js";
import type { Chart } from "../charts/chart.js";
import type { BlockTensor } from "./block-tensors.js";

export type TensorDetail = HTMLElement & { show(tensor: BlockTensor, rowLabels?: string[]): void; readonly chart: Chart<HeatmapData> | undefined };

export function tensorDetail(): TensorDetail {
  const root = document.createElement("div") as unknown as TensorDetail;
  root.className = "mb-tensor-detail";
  let chart: Chart<HeatmapData> | undefined;
  let axes = "";
  Object.defineProperty(root, "chart", { get: () => chart });
  root.show = (tensor, rowLabels) => {
    const data: HeatmapData = { values: tensor.values, rows: tensor.rows, columns: tensor.columns, rowLabels };
    // Δ is positive (softplus): a sequential scale reads better than a half-used diverging one.
    const color = tensor.key === "delta" ? "sequential" : "diverging";
    const nextAxes = `${tensor.rowName}|${tensor.columnName}|${tensor.name}|${color}`;
    if (!chart || nextAxes !== axes) {
      chart = heatmap(data, { rowName: tensor.rowName, columnName: tensor.columnName, valueName: tensor.name, color });
      axes = nextAxes;
      root.replaceChildren(chart);
    } else {
      chart.update(data);
    }
    root.dataset.tensor = tensor.key;
  };
  return root;
}
