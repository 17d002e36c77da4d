/**
 * Recurrent decoding on WebGPU (src/math.md#decoding): one token through the whole model per call,
 * the state (per layer the conv window and h) kept on the GPU between calls, only the logits read back.
 * Per layer four WGSL dispatches (three of them one "projection" program), each fusing what tfjs lets
 * one program hold (one output buffer, at most seven inputs):
 *   1. RMSNorm + in_proj:           [x | z] = W_in · (r ⊙ rsqrt(mean(r²) + ε) ⊙ w_norm)
 *   2. conv step + SiLU + x_proj:    u = SiLU(conv([window | x])), [δ | B | C] = W_x · u, window ← [window₁… | x]
 *   3. dt_proj + softplus + scan step + gate, one invocation per channel:
 *        Δ = softplus(W_dt·δ + b), h ← e^{ΔA}·h + B̄·u, yGated = (C·h + D·u)·SiLU(z)
 *   4. out_proj + residual:          r ← r + W_out · yGated
 * then RMSNorm_f + head (one dispatch) for the logits. Step 1 of layer 0 reads the embedding row of
 * the token directly. Checked against the float64 reference (model.ts lmStep) in the browser tests.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { check } from "../errors.js";
import { checkTokenIds } from "../model.js";
import type { BRule, MambaModel, Numbers } from "../types.js";
import { softwareAdapter } from "./fused-scan.js";

/** A model's weights uploaded for decoding; `start` makes decoding states that share them. */
export interface GpuDecoder {
  readonly model: MambaModel;
  /** A new state at the start of a sequence (conv windows and h all zero). */
  start(): DecodeState;
  /** Frees the weights; states made by `start` must not be stepped afterwards. */
  dispose(): void;
}

/** One sequence being decoded: its state lives on the GPU. */
export interface DecodeState {
  /** Tokens consumed since the start (or the last reset). */
  readonly position: number;
  /** Feeds token `id`; resolves to its logits (vocab) and leaves the next state on the GPU. */
  step(id: number): Promise<Float32Array>;
  /** Back to the start of a sequence. */
  reset(): void;
  dispose(): void;
}

interface LayerTensors {
  norm: tf.Tensor;
  inProj: tf.Tensor;
  inProjBias?: tf.Tensor;
  conv: tf.Tensor;
  convBias?: tf.Tensor;
  xProj: tf.Tensor;
  dtProj: tf.Tensor;
  dtProjBias: tf.Tensor;
  /** −exp(A_log), (dInner, dState) */
  A: tf.Tensor;
  D: tf.Tensor;
  outProj: tf.Tensor;
  outProjBias?: tf.Tensor;
}

/** Per layer: the tensor holding the conv window and where it starts, the tensor holding h (from 0). */
interface LayerState {
  window: tf.Tensor;
  windowOffset: number;
  h: tf.Tensor;
}

/**
 * Uploads `model` to the active backend, which must be tfjs's WebGPU backend (other backends decode
 * with the float64 reference, model.ts lmStep).
 */
export function uploadDecoder(model: MambaModel, rule: BRule = "mamba"): GpuDecoder {
  check(tf.getBackend() === "webgpu", `GPU decoding needs the WebGPU backend, the active one is "${tf.getBackend()}"`);
  const { dInner, dState, convWidth, dtRank, dModel, vocabSize } = model.config;
  check(convWidth >= 2, `GPU decoding needs a conv width of at least 2, the model has ${convWidth}`);
  const upload = (values: Numbers): tf.Tensor => tf.tensor1d(Float32Array.from(values));
  const optional = (values: Numbers | undefined) => (values ? upload(values) : undefined);
  const layers: LayerTensors[] = model.layers.map(({ norm, mixer }) => ({
    norm: upload(norm),
    inProj: upload(mixer.inProj),
    inProjBias: optional(mixer.inProjBias),
    conv: upload(mixer.conv),
    convBias: optional(mixer.convBias),
    xProj: upload(mixer.xProj),
    dtProj: upload(mixer.dtProj),
    dtProjBias: upload(mixer.dtProjBias),
    A: upload(Float32Array.from(mixer.ALog, (v) => -Math.exp(v))),
    D: upload(mixer.D),
    outProj: upload(mixer.outProj),
    outProjBias: optional(mixer.outProjBias),
  }));
  const embedding = upload(model.embedding);
  const head = model.lmHead ? upload(model.lmHead) : embedding;
  const normF = upload(model.normF);
  const backend = tf.backend() as WebGPUBackend;
  const projected = dtRank + 2 * dState;

  /** One token through every layer; returns the logits tensor and the next state (the old one is not freed). */
  const forward = (id: number, state: LayerState[]): { logits: tf.Tensor; next: LayerState[]; intermediates: tf.Tensor[] } => {
    let residual = embedding;
    let residualOffset = id * dModel;
    const next: LayerState[] = [];
    const intermediates: tf.Tensor[] = [];
    layers.forEach((layer, i) => {
      const norm = { weight: layer.norm, epsilon: model.config.normEpsilon };
      const xz = project(backend, { x: residual, xOffset: residualOffset, norm, weight: layer.inProj, bias: layer.inProjBias, rows: 2 * dInner, cols: dModel });
      const conv = { weight: layer.conv, bias: layer.convBias, width: convWidth, window: state[i].window, windowOffset: state[i].windowOffset };
      const convOut = project(backend, { x: xz, xOffset: 0, conv, weight: layer.xProj, rows: projected, cols: dInner });
      const scanOut = scanStep(backend, { projected: convOut, xz, h: state[i].h, dtProj: layer.dtProj, dtProjBias: layer.dtProjBias, A: layer.A, D: layer.D }, { dInner, dState, dtRank, rule });
      const out = project(backend, { x: scanOut, xOffset: dInner * dState, weight: layer.outProj, bias: layer.outProjBias, residual, residualOffset, rows: dModel, cols: dInner });
      next.push({ window: convOut, windowOffset: projected + dInner, h: scanOut });
      intermediates.push(xz, out);
      residual = out;
      residualOffset = 0;
    });
    const logits = project(backend, { x: residual, xOffset: 0, norm: { weight: normF, epsilon: model.config.normEpsilon }, weight: head, rows: vocabSize, cols: dModel });
    return { logits, next, intermediates };
  };

  const zeroState = (): LayerState[] =>
    model.layers.map(() => ({ window: tf.zeros([(convWidth - 1) * dInner]), windowOffset: 0, h: tf.zeros([dInner * dState]) }));
  const disposeState = (state: LayerState[]) => tf.dispose(state.flatMap((layer) => [layer.window, layer.h]));

  return {
    model,
    start() {
      let state = zeroState();
      let position = 0;
      return {
        get position() {
          return position;
        },
        async step(id: number) {
          checkTokenIds([[id]], vocabSize);
          const { logits, next, intermediates } = forward(id, state);
          tf.dispose(intermediates);
          disposeState(state);
          state = next;
          position++;
          try {
            return (await logits.data()) as Float32Array;
          } finally {
            logits.dispose();
          }
        },
        reset() {
          disposeState(state);
          state = zeroState();
          position = 0;
        },
        dispose() {
          disposeState(state);
        },
      };
    },
    dispose() {
      tf.dispose([...layers.flatMap((layer) => Object.values(layer).filter((t): t is tf.Tensor => t !== undefined)), embedding, normF, ...(head === embedding ? [] : [head])]);
    },
  };
}

type Uniform = { type: "int32" | "float32"; data: number[] };

/** Runs one program on (size, 1)-shaped views of `inputs` (so tfjs's shader key never changes) and returns its output. */
function run(backend: WebGPUBackend, name: string, code: string, inputs: tf.Tensor[], outputSize: number, workgroups: number, workgroupSize: number, uniforms: [string, Uniform][]): tf.Tensor {
  const program = {
    variableNames: inputs.map((_, i) => `in${i}`),
    outputShape: [outputSize],
    shaderKey: `mambaDecode_${name}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.min(workgroups, 65535), Math.ceil(workgroups / 65535), 1] as [number, number, number],
    workgroupSize: [workgroupSize, 1, 1] as [number, number, number],
    uniforms: uniforms.map(([field, u]) => `${field} : ${u.type === "int32" ? "i32" : "f32"},`).join(" "),
    getUserCode: () => code,
  };
  const views = inputs.map((t) => ({ dataId: t.dataId, dtype: t.dtype, shape: [t.size, 1] }));
  const info = backend.runWebGPUProgram(program, views, "float32", uniforms.map(([, u]) => u));
  return tf.engine().makeTensorFromTensorInfo(info);
}

const int = (value: number): Uniform => ({ type: "int32", data: [value] });
const flag = (value: unknown): Uniform => int(value ? 1 : 0);

/** Invocations per workgroup of the projections. */
const PROJECTION_WORKGROUP = 256;

/** What a projection does to its input vector before the product (the `prologue` uniform). */
const enum Prologue {
  Plain = 0,
  RmsNorm = 1,
  /** SiLU(causal depthwise conv over [window | x]) per channel; also writes u and the shifted window. */
  ConvSilu = 2,
}

/**
 * One projection: out[r] = Σ_k W[r, k]·x̂[k] (+ bias[r]) (+ residual[r]) for r < rows, where x̂ is x,
 * RMSNorm(x) ⊙ w, or SiLU(conv([window | x])) (computed on the fly, k multiply-adds per channel).
 * `lanes` invocations share a row and read W coalesced, then the row's first lane sums their parts;
 * a workgroup holds 256 / lanes rows. GPUs get 32 lanes (256 for fewer than 256 rows, as x_proj has);
 * software adapters, where every workgroup with a barrier is costly, 4. In the conv mode, workgroup 0
 * also writes u (dInner) and the new window (k − 1, dInner) after the rows.
 * Inputs: x, norm weight or conv weight, W, bias, residual, window, conv bias.
 */
const PROJECTION_WGSL = /* wgsl */ `
const WG = ${PROJECTION_WORKGROUP};
var<workgroup> partial : array<f32, WG>;
fn main(index : i32) {
  let t = i32(localIndex);
  let cols = uniforms.cols;
  let lanes = uniforms.lanes;
  var scale = 1.0;
  if (uniforms.prologue == ${Prologue.RmsNorm}) {
    var squares = 0.0;
    for (var k = t; k < cols; k += WG) { let v = in0[uniforms.xOffset + k]; squares += v * v; }
    partial[t] = squares;
    workgroupBarrier();
    var total = 0.0;
    for (var i = 0; i < WG; i++) { total += partial[i]; }
    scale = inverseSqrt(total / f32(cols) + uniforms.epsilon);
    workgroupBarrier();
  }
  let lane = t % lanes;
  let workgroupIndex = index / WG;
  let r = workgroupIndex * (WG / lanes) + t / lanes;
  let row = min(r, uniforms.rows - 1);
  let K = uniforms.convWidth;
  let writesSide = uniforms.prologue == ${Prologue.ConvSilu} && workgroupIndex == 0 && t < lanes;
  var sum = 0.0;
  for (var k = lane; k < cols; k += lanes) {
    var v = in0[uniforms.xOffset + k];
    if (uniforms.prologue == ${Prologue.RmsNorm}) { v = v * scale * in1[k]; }
    if (uniforms.prologue == ${Prologue.ConvSilu}) {
      let x = v;
      var conv = in1[k * K + K - 1] * x;
      if (uniforms.hasConvBias == 1) { conv += in6[k]; }
      for (var j = 0; j < K - 1; j++) { conv += in1[k * K + j] * in5[uniforms.windowOffset + j * cols + k]; }
      v = conv / (1.0 + exp(-conv));
      if (writesSide) {
        let side = uniforms.rows;
        result[side + k] = v;
        for (var j = 0; j < K - 2; j++) { result[side + (j + 1) * cols + k] = in5[uniforms.windowOffset + (j + 1) * cols + k]; }
        result[side + (K - 1) * cols + k] = x;
      }
    }
    sum += in2[row * cols + k] * v;
  }
  partial[t] = sum;
  workgroupBarrier();
  if (lane == 0 && r < uniforms.rows) {
    var total = 0.0;
    for (var l = 0; l < lanes; l++) { total += partial[t + l]; }
    if (uniforms.hasBias == 1) { total += in3[row]; }
    if (uniforms.hasResidual == 1) { total += in4[uniforms.residualOffset + row]; }
    result[row] = total;
  }
}
`;

interface ProjectionArgs {
  x: tf.Tensor;
  xOffset: number;
  /** (rows, cols), row-major */
  weight: tf.Tensor;
  rows: number;
  cols: number;
  bias?: tf.Tensor;
  residual?: tf.Tensor;
  residualOffset?: number;
  norm?: { weight: tf.Tensor; epsilon: number };
  conv?: { weight: tf.Tensor; bias?: tf.Tensor; width: number; window: tf.Tensor; windowOffset: number };
}

let forcedSoftwareLanes: boolean | undefined;

/** Forces the lanes per row chosen for a software adapter (true) or a GPU (false), so tests check both anywhere; undefined: by adapter. */
export function forceDecodeLanes(software: boolean | undefined): void {
  forcedSoftwareLanes = software;
}

/** Lanes per row: coalesced rows on a GPU, few workgroups on a software adapter. */
function lanesFor(rows: number): number {
  if (forcedSoftwareLanes ?? softwareAdapter()) return 4;
  return rows < PROJECTION_WORKGROUP ? PROJECTION_WORKGROUP : 32;
}

function project(backend: WebGPUBackend, a: ProjectionArgs): tf.Tensor {
  // Absent inputs are bound to `weight` so the bindings stay the same; the uniforms keep them unread.
  const w = a.weight;
  const inputs = [a.x, a.norm?.weight ?? a.conv?.weight ?? w, w, a.bias ?? w, a.residual ?? w, a.conv?.window ?? w, a.conv?.bias ?? w];
  const lanes = lanesFor(a.rows);
  const prologue = a.norm ? Prologue.RmsNorm : a.conv ? Prologue.ConvSilu : Prologue.Plain;
  const outputSize = a.rows + (a.conv ? a.conv.width * a.cols : 0);
  return run(backend, "projection", PROJECTION_WGSL, inputs, outputSize, Math.ceil(a.rows / (PROJECTION_WORKGROUP / lanes)), PROJECTION_WORKGROUP, [
    ["rows", int(a.rows)],
    ["cols", int(a.cols)],
    ["lanes", int(lanes)],
    ["prologue", int(prologue)],
    ["xOffset", int(a.xOffset)],
    ["residualOffset", int(a.residualOffset ?? 0)],
    ["hasBias", flag(a.bias)],
    ["hasResidual", flag(a.residual)],
    ["convWidth", int(a.conv?.width ?? 1)],
    ["windowOffset", int(a.conv?.windowOffset ?? 0)],
    ["hasConvBias", flag(a.conv?.bias)],
    ["epsilon", { type: "float32", data: [a.norm?.epsilon ?? 0] }],
  ]);
}

const SCAN_WORKGROUP = 64;

/**
 * One invocation per channel d: Δ = softplus(W_dt[d]·δ + b[d]); for every state n
 * h[d, n] ← e^{ΔA[d,n]}·h[d, n] + B̄·B[n]·u[d] (B̄/B = Δ, or Δ(e^{ΔA} − 1)/(ΔA) for ZOH);
 * yGated[d] = (Σ_n C[n]·h[d, n] + D[d]·u[d])·SiLU(z[d]). Output: h (dInner, dState), then yGated.
 */
const SCAN_STEP_WGSL = /* wgsl */ `
// log(1 + w) for w in [0, 1]: its series below 0.1, where 1 + w loses w's low bits.
fn log1pSmall(w : f32) -> f32 {
  if (w < 0.1) { return w * (1.0 - w * (1.0 / 2.0 - w * (1.0 / 3.0 - w * (1.0 / 4.0 - w * (1.0 / 5.0 - w * (1.0 / 6.0 - w / 7.0)))))); }
  return log(1.0 + w);
}
// softplus(v) = max(v, 0) + log(1 + e^{−|v|}); v itself above 20, as PyTorch.
fn softplus(v : f32) -> f32 {
  if (v > 20.0) { return v; }
  return max(v, 0.0) + log1pSmall(exp(-abs(v)));
}
// B̄/B: Δ (rule 0) or Δ·(e^z − 1)/z, z = ΔA (rule 1), by its series where |z| < 0.5.
fn inputScale(dt : f32, z : f32, decay : f32) -> f32 {
  if (uniforms.rule == 0) { return dt; }
  if (abs(z) < 0.5) {
    return dt * (1.0 + z * (1.0 / 2.0 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z * (1.0 / 120.0 + z * (1.0 / 720.0 + z * (1.0 / 5040.0 + z / 40320.0)))))));
  }
  return dt * (decay - 1.0) / z;
}
fn main(index : i32) {
  let d = index;
  let dInner = uniforms.dInner;
  if (d >= dInner) { return; }
  let R = uniforms.dtRank;
  let N = uniforms.state;
  var v = in4[d];
  for (var r = 0; r < R; r++) { v += in3[d * R + r] * in0[r]; }
  let dt = softplus(v);
  let u = in0[R + 2 * N + d];
  let gate = in1[dInner + d];
  var y = 0.0;
  for (var n = 0; n < N; n++) {
    let z = dt * in5[d * N + n];
    let decay = exp(z);
    let h = decay * in2[d * N + n] + inputScale(dt, z, decay) * in0[R + n] * u;
    result[d * N + n] = h;
    y += in0[R + N + n] * h;
  }
  result[dInner * N + d] = (y + in6[d] * u) * gate / (1.0 + exp(-gate));
}
`;

function scanStep(
  backend: WebGPUBackend,
  a: { projected: tf.Tensor; xz: tf.Tensor; h: tf.Tensor; dtProj: tf.Tensor; dtProjBias: tf.Tensor; A: tf.Tensor; D: tf.Tensor },
  { dInner, dState, dtRank, rule }: { dInner: number; dState: number; dtRank: number; rule: BRule },
): tf.Tensor {
  const inputs = [a.projected, a.xz, a.h, a.dtProj, a.dtProjBias, a.A, a.D];
  return run(backend, "scanStep", SCAN_STEP_WGSL, inputs, dInner * dState + dInner, Math.ceil(dInner / SCAN_WORKGROUP), SCAN_WORKGROUP, [
    ["dInner", int(dInner)],
    ["state", int(dState)],
    ["dtRank", int(dtRank)],
    ["rule", int(rule === "mamba" ? 0 : 1)],
  ]);
}
