/**
 * The tensors of one residual layer for the reader's tokens, in the order of the official code
 * (mamba_simple.py), each with its shape written with named dimensions — what the block diagram
 * draws. Everything comes from the float64 reference (src/engine/model.ts, block.ts).
 */
import { rmsNorm } from "../../engine/layers.js";
import { lmForward } from "../../engine/model.js";
import type { MambaModel } from "../../engine/types.js";

export type DimName = "batch" | "length" | "d_model" | "channels" | "state" | "rank";

/** One box of the diagram: an operation and the tensor it produces. */
export interface BlockTensor {
  /** Stable key (also the value of the "tensor" control): "u", "x", "z", … */
  key: string;
  /** The operation, in words. */
  op: string;
  /** The tensor's symbol. */
  name: string;
  /** Side branch (gate, weights) drawn indented. */
  branch?: boolean;
  dims: DimName[];
  sizes: number[];
  /** Row-major, batch dropped (batch is 1): (rows, columns) = the last two dims. */
  values: Float64Array;
  rows: number;
  columns: number;
  rowName: string;
  columnName: string;
}

/** "(batch 1, length 12, channels 32)". */
export function namedShape(tensor: Pick<BlockTensor, "dims" | "sizes">): string {
  return `(${tensor.dims.map((dim, i) => `${dim} ${tensor.sizes[i]}`).join(", ")})`;
}

/** Every tensor of layer `layer` when the model reads `ids` (batch 1). */
export function blockTensors(model: MambaModel, ids: readonly number[], layer: number): BlockTensor[] {
  const run = lmForward(model, [ids]);
  const { dModel, dInner, dState, dtRank, normEpsilon } = model.config;
  const L = ids.length;
  const block = run.layers[layer];
  const input = run.residuals[layer];
  const normed = rmsNorm(input, L, model.layers[layer].norm, normEpsilon);
  const D = model.layers[layer].mixer.D;
  const skipGated = block.yGated;
  const seq = (key: string, op: string, name: string, values: Float64Array, dim: DimName, size: number, branch = false): BlockTensor => ({
    key, op, name, branch, dims: ["batch", "length", dim], sizes: [1, L, size], values, rows: L, columns: size, rowName: "token", columnName: dim === "d_model" ? "feature" : dim === "channels" ? "channel" : dim,
  });
  const yPlusSkip = block.y.map((v, i) => v + D[i % dInner] * block.xConv[i]);
  return [
    seq("residual", `residual into layer ${layer}`, "h", input, "d_model", dModel),
    seq("u", "RMSNorm", "u", normed, "d_model", dModel),
    seq("x", "in_proj → x", "x", block.xProjected, "channels", dInner),
    seq("z", "in_proj → z (gate)", "z", block.z, "channels", dInner, true),
    seq("xconv", "causal conv1d, SiLU", "x′", block.xConv, "channels", dInner),
    seq("dlow", "x_proj → δ (low rank)", "δ", block.deltaLowRank, "rank", dtRank, true),
    seq("delta", "dt_proj, softplus", "Δ", block.delta, "channels", dInner),
    seq("B", "x_proj → B", "B", block.B, "state", dState),
    seq("C", "x_proj → C", "C", block.C, "state", dState),
    { key: "A", op: "A = −exp(A_log)", name: "A", branch: true, dims: ["channels", "state"], sizes: [dInner, dState], values: block.A, rows: dInner, columns: dState, rowName: "channel", columnName: "state" },
    { key: "h", op: "scan: h after last token", name: "h", dims: ["batch", "channels", "state"], sizes: [1, dInner, dState], values: block.finalState, rows: dInner, columns: dState, rowName: "channel", columnName: "state" },
    seq("y", "y = C·h", "y", block.y, "channels", dInner),
    seq("yskip", "+ D·x′ (skip)", "y + D·x′", yPlusSkip, "channels", dInner),
    seq("ygated", "⊙ SiLU(z) (gate)", "ŷ", skipGated, "channels", dInner),
    seq("out", "out_proj", "out", block.output, "d_model", dModel),
    seq("next", "residual add: h + out", "h′", run.residuals[layer + 1], "d_model", dModel),
  ];
}
