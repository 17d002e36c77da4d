/**
 * One Mamba block (src/math.md#block) as tfjs ops plus the fused scan, every tensor on the GPU from the
 * input to the output, in the token-major layout and with the names of the float64 reference (block.ts):
 *   [x | z] = in_proj(input);  u = SiLU(conv(x));  [δ | B | C] = x_proj(u);  Δ = softplus(dt_proj(δ));
 *   A = −exp(A_log);  y = scan(u, Δ, A, B, C);  yGated = (y + D·u) ⊙ SiLU(z);  out = out_proj(yGated).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BlockOptions, BlockRun } from "../engine.js";
import { check } from "../errors.js";
import type { BRule, DiscretisationRule, MambaBlockWeights, Numbers } from "../types.js";
import { fusedScan } from "./fused-scan.js";
import { packedOffsets } from "./layout.js";
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

/** What one block forward leaves on the GPU: engine.ts BlockRun's fields as tensors, token-major. */
export type BlockRunTensors = { [K in Exclude<keyof BlockRun, "batch" | "length" | "states">]: tf.Tensor } & { states?: tf.Tensor };

/** The rules the kernels run (types.ts BRule); the others run in the float64 reference. */
export function gpuRule(rule: DiscretisationRule = "mamba"): BRule {
  check(rule === "mamba" || rule === "zoh", `the GPU kernels run the rules "mamba" and "zoh"; "${rule}" runs in the float64 reference (?backend=reference)`);
  return rule;
}

/** The last convWidth − 1 rows of x (batch, length, dInner), zero-padded in front: the decoder's conv window. */
function convWindowAfter(x: tf.Tensor3D, width: number): tf.Tensor3D {
  const [batch, length, channels] = x.shape;
  const kept = width - 1;
  const padded = tf.pad(x, [[0, 0], [kept, 0], [0, 0]]);
  return tf.slice(padded, [0, length, 0], [batch, kept, channels]);
}

/**
 * h after every token, (batch, length, dInner, dState), from the fused scan itself: with C_t = e_n (the n-th
 * unit vector) at every token, no skip and no gate, the scan's y is h_t[·, n]. One scan of batch·dState rows
 * gives every n at once, so every backend's kernel serves, at dState times the scan's cost.
 */
function statesOnGpu(u: tf.Tensor3D, delta: tf.Tensor3D, A: tf.Tensor, B: tf.Tensor3D, rule: BRule): tf.Tensor4D {
  const [batch, length, channels] = u.shape;
  const state = B.shape[2];
  return tf.tidy(() => {
    const rows = batch * state;
    const repeatRows = (t: tf.Tensor3D) => tf.reshape(tf.tile(tf.expandDims(t, 1), [1, state, 1, 1]), [rows, length, t.shape[2]]);
    // oneHot is int32, and a WGSL kernel bound to an int32 tensor reads i32s (and does not compile).
    const identity = tf.cast(tf.oneHot(tf.range(0, state, 1, "int32"), state), "float32");
    const unitC = tf.tile(tf.reshape(identity, [1, state, 1, state]), [batch, 1, length, 1]);
    const sizes = { batch: rows, channels, length, state };
    const packed = fusedScan({ u: repeatRows(u), delta: repeatRows(delta), A, B: repeatRows(B), C: tf.reshape(unitC, [rows, length, state]), D: tf.zeros([channels]) }, sizes, "tokens-first", rule, false);
    const hByState = tf.reshape(tf.slice(packed, [packedOffsets(sizes, false).out], [rows * length * channels]), [batch, state, length, channels]);
    return tf.transpose(hByState, [0, 2, 3, 1]) as tf.Tensor4D;
  });
}

/** Runs the block on `input` (batch, length, dModel); every returned tensor is new and owned by the caller. */
export function blockForwardTensors(block: BlockTensors, input: tf.Tensor3D, options: BlockOptions = {}): BlockRunTensors {
  const [batch, length, dModel] = input.shape;
  const [dInner, inputWidth] = block.inProjX.shape;
  check(inputWidth === dModel, `block input has dModel = ${dModel}, the weights expect ${inputWidth}`);
  const dtRank = block.dtProj.shape[1];
  const dState = block.A.shape[1];
  const width = block.convFilter.shape[1];
  const { overrides = {} } = options;
  const rule = gpuRule(options.rule);
  return tf.tidy(() => {
    const tokens = batch * length;
    const rows = tf.reshape(input, [tokens, dModel]) as tf.Tensor2D;
    const x = tf.reshape(linear(rows, block.inProjX, block.inProjXBias), [batch, length, dInner]) as tf.Tensor3D;
    const z = tf.reshape(linear(rows, block.inProjZ, block.inProjZBias), [batch, length, dInner]) as tf.Tensor3D;
    const convolved = causalDepthwiseConv(x, block.convFilter, block.convBias);
    const u = tf.mul(convolved, tf.sigmoid(convolved)) as tf.Tensor3D;
    const projected = linear(tf.reshape(u, [tokens, dInner]) as tf.Tensor2D, block.xProj);
    const column = (start: number, count: number) => tf.reshape(tf.slice(projected, [0, start], [tokens, count]), [batch, length, count]) as tf.Tensor3D;
    const deltaLowRank = column(0, dtRank);
    const deltaComputed = tf.reshape(tf.softplus(linear(tf.reshape(deltaLowRank, [tokens, dtRank]) as tf.Tensor2D, block.dtProj, block.dtProjBias)), [batch, length, dInner]);
    const delta = perturb(deltaComputed, overrides.delta, [length, dInner], "delta") as tf.Tensor3D;
    const A = perturb(block.A, overrides.A, [dInner, dState], "A");
    const B = perturb(column(dtRank, dState), overrides.B, [length, dState], "B") as tf.Tensor3D;
    const C = perturb(column(dtRank + dState, dState), overrides.C, [length, dState], "C") as tf.Tensor3D;
    const sizes = { batch, channels: dInner, length, state: dState };
    const packed = fusedScan({ u, delta, A, B, C, D: block.D, z }, sizes, "tokens-first", rule, true);
    const offsets = packedOffsets(sizes, true);
    const part = (start: number, end: number, shape: number[]) => tf.reshape(tf.slice(packed, [start], [end - start]), shape);
    const yGated = part(offsets.out, offsets.finalState, [batch, length, dInner]);
    const out = tf.reshape(linear(tf.reshape(yGated, [tokens, dInner]) as tf.Tensor2D, block.outProj, block.outProjBias), [batch, length, dModel]);
    return {
      input: tf.clone(input),
      x,
      z,
      u,
      deltaLowRank,
      delta,
      A,
      B,
      C,
      y: part(offsets.raw, offsets.total, [batch, length, dInner]),
      yGated,
      out,
      finalState: part(offsets.finalState, offsets.raw, [batch, dInner, dState]),
      convState: convWindowAfter(x, width),
      states: options.states ? statesOnGpu(u, delta, A, B, rule) : undefined,
    };
  });
}
