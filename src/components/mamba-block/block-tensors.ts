/**
 * The tensors of one residual layer for the reader's tokens, in the order of the official code
 * (mamba_simple.py), each with its shape written with named dimensions — what the block diagram
 * draws. Everything comes from the page engine's run (engine.ts ModelRun), which carries every tensor.
 */
import type { ModelRun } from "../../engine/engine.js";
import type { MambaModel, Numbers } from "../../engine/types.js";

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
  values: Numbers;
  rows: number;
  columns: number;
  rowName: string;
  columnName: string;
}

/** "(batch 1, length 12, channels 32)". */
export function namedShape(tensor: Pick<BlockTensor, "dims" | "sizes">): string {
  return `(${tensor.dims.map((dim, i) => `${dim} ${tensor.sizes[i]}`).join(", ")})`;
}

/** Every tensor of layer `layer` of `run` (batch 1); `model` gives D, the skip's weights. */
export function blockTensors(model: MambaModel, run: ModelRun, layer: number): BlockTensor[] {
  const { dModel, dInner, dState, dtRank } = model.config;
  const L = run.length;
  const block = run.layers[layer];
  const input = layer === 0 ? run.embedded : run.layers[layer - 1].residual;
  const D = model.layers[layer].mixer.D;
  const seq = (key: string, op: string, name: string, values: Numbers, dim: DimName, size: number, branch = false): BlockTensor => ({
    key, op, name, branch, dims: ["batch", "length", dim], sizes: [1, L, size], values, rows: L, columns: size, rowName: "token", columnName: dim === "d_model" ? "feature" : dim === "channels" ? "channel" : dim,
  });
  const yPlusSkip = Float64Array.from(block.y, (v, i) => v + D[i % dInner] * block.u[i]);
  return [
    seq("residual", `residual into layer ${layer}`, "h", input, "d_model", dModel),
    seq("input", "RMSNorm", "v", block.input, "d_model", dModel),
    seq("x", "in_proj → x", "x", block.x, "channels", dInner),
    seq("z", "in_proj → z (gate)", "z", block.z, "channels", dInner, true),
    seq("u", "causal conv1d, SiLU", "u", block.u, "channels", dInner),
    seq("dlow", "x_proj → δ (low rank)", "δ", block.deltaLowRank, "rank", dtRank, true),
    seq("delta", "dt_proj, softplus", "Δ", block.delta, "channels", dInner),
    seq("B", "x_proj → B", "B", block.B, "state", dState),
    seq("C", "x_proj → C", "C", block.C, "state", dState),
    { key: "A", op: "A = −exp(A_log)", name: "A", branch: true, dims: ["channels", "state"], sizes: [dInner, dState], values: block.A, rows: dInner, columns: dState, rowName: "channel", columnName: "state" },
    { key: "h", op: "scan: h after last token", name: "h", dims: ["batch", "channels", "state"], sizes: [1, dInner, dState], values: block.finalState, rows: dInner, columns: dState, rowName: "channel", columnName: "state" },
    seq("y", "y = C·h", "y", block.y, "channels", dInner),
    seq("yskip", "+ D·u (skip)", "y + D·u", yPlusSkip, "channels", dInner),
    seq("ygated", "⊙ SiLU(z) (gate)", "ŷ", block.yGated, "channels", dInner),
    seq("out", "out_proj", "out", block.out, "d_model", dModel),
    seq("residual-out", "residual add: h + out", "h′", block.residual, "d_model", dModel),
  ];
}
