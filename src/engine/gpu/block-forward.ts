/**
 * One Mamba block (MAMBA-SPEC §5) as tfjs ops plus the fused scan, every tensor on the GPU from the
 * input to the output, in the token-major layout of the float64 reference (src/engine/block.ts):
 *   [x | z] = in_proj(u);  x ← SiLU(conv(x));  [δ | B | C] = x_proj(x);  Δ = softplus(dt_proj(δ));
 *   A = −exp(A_log);  y = scan(x, Δ, A, B, C) + D·x;  out = out_proj(y ⊙ SiLU(z)).
 */
import * as tf from "@tensorflow/tfjs-core";
import { check } from "../errors.js";
import type { BRule, MambaBlockWeights, Numbers, ScanOverrides } from "../types.js";
import { fusedScan, unpackScanTensors } from "./fused-scan.js";
import { linearFloat32 } from "./linear-cpu.js";
import { perturb } from "./perturb.js";

/** A block's weights as float32 tensors, uploaded once and reused by every forward. */
export interface BlockTensors {
  /** (dInner, dModel): in_proj's rows that make x; kept apart from z's so no forward slices [x | z] (slow on the CPU backend) */
  inProjX: tf.Tensor2D;
  inProjXBias?: tf.Tensor1D;
  /** (dInner, dModel): in_proj's rows that make the gate z */
  inProjZ: tf.Tensor2D;
  inProjZBias?: tf.Tensor1D;
  /** (1, convWidth, dInner, 1): the depthwise filter of tf.depthwiseConv2d */
  convFilter: tf.Tensor4D;
  convBias?: tf.Tensor1D;
  /** (dtRank + 2·dState, dInner) */
  xProj: tf.Tensor2D;
  /** (dInner, dtRank) */
  dtProj: tf.Tensor2D;
  dtProjBias: tf.Tensor1D;
  /** (dInner, dState): −exp(A_log) */
  A: tf.Tensor2D;
  D: tf.Tensor1D;
  /** (dModel, dInner) */
  outProj: tf.Tensor2D;
  outProjBias?: tf.Tensor1D;
}

/** Uploads `weights` to the active backend. */
export function uploadBlock(weights: MambaBlockWeights): BlockTensors {
  const { dModel, dInner, dState, dtRank, convWidth } = weights.dims;
  const f32 = (values: Numbers) => Float32Array.from(values);
  const vector = (values: Numbers | undefined) => (values ? tf.tensor1d(f32(values)) : undefined);
  const half = (values: Numbers, part: 0 | 1, width: number) => values.slice(part * dInner * width, (part + 1) * dInner * width);
  const { inProj, inProjBias } = weights;
  return tf.tidy(() => ({
    inProjX: tf.tensor2d(f32(half(inProj, 0, dModel)), [dInner, dModel]),
    inProjXBias: inProjBias && vector(half(inProjBias, 0, 1)),
    inProjZ: tf.tensor2d(f32(half(inProj, 1, dModel)), [dInner, dModel]),
    inProjZBias: inProjBias && vector(half(inProjBias, 1, 1)),
    convFilter: tf.reshape(tf.transpose(tf.tensor2d(f32(weights.conv), [dInner, convWidth])), [1, convWidth, dInner, 1]) as tf.Tensor4D,
    convBias: vector(weights.convBias),
    xProj: tf.tensor2d(f32(weights.xProj), [dtRank + 2 * dState, dInner]),
    dtProj: tf.tensor2d(f32(weights.dtProj), [dInner, dtRank]),
    dtProjBias: tf.tensor1d(f32(weights.dtProjBias)),
    A: tf.neg(tf.exp(tf.tensor2d(f32(weights.ALog), [dInner, dState]))),
    D: tf.tensor1d(f32(weights.D)),
    outProj: tf.tensor2d(f32(weights.outProj), [dModel, dInner]),
    outProjBias: vector(weights.outProjBias),
  }));
}

/** Frees the tensors of `block`. */
export function disposeBlock(block: BlockTensors): void {
  tf.dispose(Object.values(block).filter((t): t is tf.Tensor => t !== undefined));
}

/** y = x Wᵀ + b for x (rows, in), W (out, in); on the CPU backend, whose tensors live in host memory, the float32 loop of linear-cpu.ts. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  if (tf.getBackend() === "cpu") {
    const [rows, inFeatures] = x.shape;
    const outFeatures = weight.shape[0];
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    return tf.tensor2d(linearFloat32(read(x), rows, read(weight), outFeatures, inFeatures, bias && read(bias)), [rows, outFeatures]);
  }
  const y = tf.matMul(x, weight, false, true) as tf.Tensor2D;
  return bias ? tf.add(y, bias) : y;
}

/** x'_t[c] = b_c + Σ_j W[c, j] x_{t−(k−1)+j}[c] over x (batch, length, dInner), zeros before the start. */
function causalDepthwiseConv(x: tf.Tensor3D, filter: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor3D {
  const width = filter.shape[1];
  const padded = tf.pad(x, [[0, 0], [width - 1, 0], [0, 0]]);
  const [batch, length, channels] = x.shape;
  const convolved = tf.depthwiseConv2d(tf.reshape(padded, [batch, 1, length + width - 1, channels]) as tf.Tensor4D, filter, 1, "valid");
  const y = tf.reshape(convolved, [batch, length, channels]) as tf.Tensor3D;
  return bias ? tf.add(y, bias) : y;
}

export interface GpuBlockOptions {
  /** Readers' overrides of Δ, A, B, C, shared by all batch rows (shapes in types.ts). */
  overrides?: ScanOverrides;
  rule?: BRule;
}

/** What one forward returns, all still on the GPU; shapes use batch, length, dModel, dInner, dState. */
export interface BlockOutputTensors {
  /** (batch, length, dModel) */
  output: tf.Tensor3D;
  /** (batch, length, dInner): (y + D·x) ⊙ SiLU(z) */
  yGated: tf.Tensor3D;
  /** (batch, dInner, dState) */
  finalState: tf.Tensor3D;
  /** (batch, length, dInner), after overrides */
  delta: tf.Tensor3D;
  /** (batch, length, dState), after overrides */
  B: tf.Tensor3D;
  /** (batch, length, dState), after overrides */
  C: tf.Tensor3D;
}

/** Runs the block on `input` (batch, length, dModel); every returned tensor is new and owned by the caller. */
export function blockForwardTensors(
  block: BlockTensors,
  input: tf.Tensor3D,
  options: GpuBlockOptions = {},
): BlockOutputTensors {
  const [batch, length, dModel] = input.shape;
  const [dInner, inputWidth] = block.inProjX.shape;
  check(inputWidth === dModel, `block input has dModel = ${dModel}, the weights expect ${inputWidth}`);
  const dtRank = block.dtProj.shape[1];
  const dState = block.A.shape[1];
  const { overrides = {}, rule = "mamba" } = options;
  return tf.tidy(() => {
    const tokens = batch * length;
    const rows = tf.reshape(input, [tokens, dModel]) as tf.Tensor2D;
    const x = tf.reshape(linear(rows, block.inProjX, block.inProjXBias), [batch, length, dInner]) as tf.Tensor3D;
    const z = linear(rows, block.inProjZ, block.inProjZBias);
    const convolved = causalDepthwiseConv(x, block.convFilter, block.convBias);
    const xConv = tf.reshape(tf.mul(convolved, tf.sigmoid(convolved)), [tokens, dInner]) as tf.Tensor2D;
    const projected = linear(xConv, block.xProj);
    const column = (start: number, count: number) => tf.reshape(tf.slice(projected, [0, start], [tokens, count]), [batch, length, count]);
    const deltaLowRank = tf.slice(projected, [0, 0], [tokens, dtRank]);
    const deltaComputed = tf.reshape(tf.softplus(linear(deltaLowRank, block.dtProj, block.dtProjBias)), [batch, length, dInner]);
    const delta = perturb(deltaComputed, overrides.delta, [length, dInner], "delta") as tf.Tensor3D;
    const A = perturb(block.A, overrides.A, [dInner, dState], "A");
    const B = perturb(column(dtRank, dState), overrides.B, [length, dState], "B") as tf.Tensor3D;
    const C = perturb(column(dtRank + dState, dState), overrides.C, [length, dState], "C") as tf.Tensor3D;
    const sizes = { batch, channels: dInner, length, state: dState };
    const packed = fusedScan({ u: xConv, delta, A, B, C, D: block.D, z }, sizes, "tokens-first", rule, false);
    const { out, finalState } = unpackScanTensors(packed, sizes, [tokens, dInner]);
    const output = tf.reshape(linear(out as tf.Tensor2D, block.outProj, block.outProjBias), [batch, length, dModel]) as tf.Tensor3D;
    return { output, yGated: tf.reshape(out, [batch, length, dInner]) as tf.Tensor3D, finalState, delta, B, C };
  });
}
