/**
 * A Mamba language model in float32 with a hand-written backward pass, for training on a CPU. The
 * parameters carry HuggingFace's key names and layouts (README of the golden files), so a trained
 * model is saved as is and the float64 reference engine loads it unchanged:
 *   h ← Embedding[ids];  for every layer: h ← h + Mixer(RMSNorm(h));  logits = RMSNorm_f(h) · Embeddingᵀ
 * Sizes come from the engine's MambaConfig; no biases on in_proj/out_proj (use_bias false), conv bias
 * present, head tied. The LTI variant is the same model with some weights frozen (`lti.ts`).
 */
import {
  causalConvBackward, causalConvForward, linearBackward, linearForward, rmsNormBackward, rmsNormForward,
  sigmoid, siluDerivative, siluForward, softplusForward, type Floats,
} from "./layers.js";
import type { MambaConfig } from "../../engine/types.js";
import { scanBackward, scanForward, type ScanForward, type ScanInputs, type ScanShape } from "./scan.js";

/** HF key → float32 values. */
export type Params = Record<string, Floats>;

const EMBEDDING = "backbone.embeddings.weight";
const NORM_F = "backbone.norm_f.weight";

/** The HF key of parameter `name` of layer `layer`, e.g. mixerKey(0, "A_log") = "backbone.layers.0.mixer.A_log". */
export function mixerKey(layer: number, name: string): string {
  return `backbone.layers.${layer}.mixer.${name}`;
}

/** Everything one layer's forward pass keeps for its backward pass. */
interface LayerCache {
  input: Floats;
  normed: Floats;
  inverseRms: Floats;
  x: Floats;
  z: Floats;
  convolved: Floats;
  xs: Floats;
  projected: Floats;
  dtLow: Floats;
  dtRaw: Floats;
  scanInputs: ScanInputs;
  scan: ScanForward;
  gated: Floats;
}

/** Columns [from, from + count) of a (rows, width) matrix. */
function columns(matrix: Floats, rows: number, width: number, from: number, count: number): Floats {
  const out = new Float32Array(rows * count);
  for (let r = 0; r < rows; r++) out.set(matrix.subarray(r * width + from, r * width + from + count), r * count);
  return out;
}

/** Writes `part` (rows, count) into columns [from, from + count) of `matrix` (rows, width). */
function setColumns(matrix: Floats, part: Floats, rows: number, width: number, from: number, count: number): void {
  for (let r = 0; r < rows; r++) matrix.set(part.subarray(r * count, (r + 1) * count), r * width + from);
}

/** One residual block: returns h + Mixer(RMSNorm(h)) for h (batch·length, hidden), and its cache. */
function layerForward(config: MambaConfig, params: Params, layer: number, input: Floats, batch: number, length: number): { output: Floats; cache: LayerCache } {
  const { dModel: D, dInner: E, dState: N, dtRank: R, convWidth: K } = config;
  const rows = batch * length;
  const p = (name: string) => params[mixerKey(layer, name)];
  const { y: normed, inverseRms } = rmsNormForward(input, rows, D, params[`backbone.layers.${layer}.norm.weight`], config.normEpsilon);
  const xz = linearForward(normed, rows, D, p("in_proj.weight"), 2 * E);
  const x = columns(xz, rows, 2 * E, 0, E);
  const z = columns(xz, rows, 2 * E, E, E);
  const convolved = causalConvForward(x, batch, length, E, p("conv1d.weight"), K, p("conv1d.bias"));
  const xs = siluForward(convolved);
  const projected = linearForward(xs, rows, E, p("x_proj.weight"), R + 2 * N);
  const dtLow = columns(projected, rows, R + 2 * N, 0, R);
  const dtRaw = linearForward(dtLow, rows, R, p("dt_proj.weight"), E, p("dt_proj.bias"));
  const scanInputs: ScanInputs = {
    u: xs,
    delta: softplusForward(dtRaw),
    A: p("A_log").map((v) => -Math.exp(v)),
    B: columns(projected, rows, R + 2 * N, R, N),
    C: columns(projected, rows, R + 2 * N, R + N, N),
    D: p("D"),
  };
  const scan = scanForward({ batch, length, channels: E, state: N }, scanInputs);
  const gated = scan.y.map((v, i) => v * z[i] * sigmoid(z[i]));
  const mixed = linearForward(gated, rows, E, p("out_proj.weight"), D);
  const output = input.map((v, i) => v + mixed[i]);
  return { output, cache: { input, normed, inverseRms, x, z, convolved, xs, projected, dtLow, dtRaw, scanInputs, scan, gated } };
}

/** Backward of one residual block: adds the parameters' gradients into `grads`, returns ∂L/∂input. */
function layerBackward(config: MambaConfig, params: Params, grads: Params, layer: number, cache: LayerCache, dOutput: Floats, batch: number, length: number): Floats {
  const { dModel: D, dInner: E, dState: N, dtRank: R, convWidth: K } = config;
  const rows = batch * length;
  const p = (name: string) => params[mixerKey(layer, name)];
  const g = (name: string) => grads[mixerKey(layer, name)];
  const scanShape: ScanShape = { batch, length, channels: E, state: N };
  const dGated = linearBackward(dOutput, cache.gated, rows, E, p("out_proj.weight"), D, g("out_proj.weight"))!;
  const { z } = cache;
  const dY = dGated.map((v, i) => v * z[i] * sigmoid(z[i]));
  const dZ = dGated.map((v, i) => v * cache.scan.y[i] * siluDerivative(z[i]));
  const scanGrads = scanBackward(scanShape, cache.scanInputs, cache.scan, dY);
  const A = cache.scanInputs.A;
  scanGrads.dA.forEach((v, i) => (g("A_log")[i] += v * A[i]));
  scanGrads.dD.forEach((v, i) => (g("D")[i] += v));
  const dDtRaw = scanGrads.dDelta.map((v, i) => v * sigmoid(cache.dtRaw[i]));
  const dDtLow = linearBackward(dDtRaw, cache.dtLow, rows, R, p("dt_proj.weight"), E, g("dt_proj.weight"), g("dt_proj.bias"))!;
  const dProjected = new Float32Array(rows * (R + 2 * N));
  setColumns(dProjected, dDtLow, rows, R + 2 * N, 0, R);
  setColumns(dProjected, scanGrads.dB, rows, R + 2 * N, R, N);
  setColumns(dProjected, scanGrads.dC, rows, R + 2 * N, R + N, N);
  const dXs = linearBackward(dProjected, cache.xs, rows, E, p("x_proj.weight"), R + 2 * N, g("x_proj.weight"))!;
  const dConvolved = dXs.map((v, i) => (v + scanGrads.du[i]) * siluDerivative(cache.convolved[i]));
  const dX = causalConvBackward(dConvolved, cache.x, batch, length, E, p("conv1d.weight"), K, g("conv1d.weight"), g("conv1d.bias"));
  const dXz = new Float32Array(rows * 2 * E);
  setColumns(dXz, dX, rows, 2 * E, 0, E);
  setColumns(dXz, dZ, rows, 2 * E, E, E);
  const dNormed = linearBackward(dXz, cache.normed, rows, D, p("in_proj.weight"), 2 * E, g("in_proj.weight"))!;
  const dInput = rmsNormBackward(dNormed, cache.input, cache.inverseRms, rows, D, params[`backbone.layers.${layer}.norm.weight`], grads[`backbone.layers.${layer}.norm.weight`]);
  return dInput.map((v, i) => v + dOutput[i]);
}

/** The embedded tokens: h (batch·length, hidden) = Embedding[ids]. */
function embed(config: MambaConfig, params: Params, inputIds: Int32Array): Floats {
  const D = config.dModel;
  const h = new Float32Array(inputIds.length * D);
  inputIds.forEach((id, row) => h.set(params[EMBEDDING].subarray(id * D, (id + 1) * D), row * D));
  return h;
}

/** The rows of `h` (batch·length, hidden) at `positions` of every sequence: (batch·positions, hidden). */
function gatherRows(h: Floats, batch: number, length: number, width: number, positions: number[]): Floats {
  const out = new Float32Array(batch * positions.length * width);
  for (let b = 0; b < batch; b++) {
    positions.forEach((t, i) => out.set(h.subarray((b * length + t) * width, (b * length + t + 1) * width), (b * positions.length + i) * width));
  }
  return out;
}

/** Logits (batch, positions, vocab) at `positions` of every sequence of ids (batch, length). */
export function logitsAt(config: MambaConfig, params: Params, inputIds: Int32Array, batch: number, length: number, positions: number[]): Floats {
  let h = embed(config, params, inputIds);
  for (let layer = 0; layer < config.numLayers; layer++) h = layerForward(config, params, layer, h, batch, length).output;
  const picked = gatherRows(h, batch, length, config.dModel, positions);
  const rows = batch * positions.length;
  const { y } = rmsNormForward(picked, rows, config.dModel, params[NORM_F], config.normEpsilon);
  return linearForward(y, rows, config.dModel, params[EMBEDDING], config.vocabSize);
}

/** Mean cross-entropy at `positions` (targets (batch, positions)), its gradient, and the argmax accuracy. */
export interface LossAndGradients {
  loss: number;
  accuracy: number;
  grads: Params;
}

/**
 * One training step's math: forward through every layer keeping caches, the mean cross-entropy
 * −log softmax(logits)[target] over the answer positions, then backward into zero-initialised gradients.
 */
export function lossAndGradients(config: MambaConfig, params: Params, inputIds: Int32Array, batch: number, length: number, positions: number[], targets: Int32Array): LossAndGradients {
  const D = config.dModel;
  const V = config.vocabSize;
  const grads: Params = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, new Float32Array(value.length)]));
  const caches: LayerCache[] = [];
  let h = embed(config, params, inputIds);
  for (let layer = 0; layer < config.numLayers; layer++) {
    const { output, cache } = layerForward(config, params, layer, h, batch, length);
    caches.push(cache);
    h = output;
  }
  const picked = gatherRows(h, batch, length, D, positions);
  const rows = batch * positions.length;
  const normF = rmsNormForward(picked, rows, D, params[NORM_F], config.normEpsilon);
  const logits = linearForward(normF.y, rows, D, params[EMBEDDING], V);
  const { loss, accuracy, dLogits } = crossEntropy(logits, rows, V, targets);
  const dNormF = linearBackward(dLogits, normF.y, rows, D, params[EMBEDDING], V, grads[EMBEDDING])!;
  const dPicked = rmsNormBackward(dNormF, picked, normF.inverseRms, rows, D, params[NORM_F], grads[NORM_F]);
  let dH: Floats = new Float32Array(batch * length * D);
  for (let b = 0; b < batch; b++) {
    positions.forEach((t, i) => dH.set(dPicked.subarray((b * positions.length + i) * D, (b * positions.length + i + 1) * D), (b * length + t) * D));
  }
  for (let layer = config.numLayers - 1; layer >= 0; layer--) dH = layerBackward(config, params, grads, layer, caches[layer], dH, batch, length);
  const dEmbedding = grads[EMBEDDING];
  inputIds.forEach((id, row) => {
    for (let i = 0; i < D; i++) dEmbedding[id * D + i] += dH[row * D + i];
  });
  return { loss, accuracy, grads };
}

/** Mean softmax cross-entropy of logits (rows, vocab) against targets (rows); ∂loss/∂logits = (softmax − onehot) / rows. */
function crossEntropy(logits: Floats, rows: number, vocab: number, targets: Int32Array): { loss: number; accuracy: number; dLogits: Floats } {
  const dLogits = new Float32Array(rows * vocab);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * vocab, (r + 1) * vocab);
    let max = -Infinity;
    let best = 0;
    row.forEach((v, k) => {
      if (v > max) [max, best] = [v, k];
    });
    let sum = 0;
    row.forEach((v) => (sum += Math.exp(v - max)));
    loss += Math.log(sum) + max - row[targets[r]];
    if (best === targets[r]) correct++;
    row.forEach((v, k) => (dLogits[r * vocab + k] = (Math.exp(v - max) / sum - (k === targets[r] ? 1 : 0)) / rows));
  }
  return { loss: loss / rows, accuracy: correct / rows, dLogits };
}
