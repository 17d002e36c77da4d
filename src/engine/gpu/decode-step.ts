/**
 * Recurrent decoding on WebGPU (src/math.md#decoding): one token through the whole model per call,
 * the state (per layer the conv window and h) kept on the GPU between calls, only the logits read back.
 * Per layer four WGSL dispatches, each fusing what tfjs lets one program hold (one output buffer, at
 * most seven inputs):
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
      const xz = matvec(backend, { x: residual, xOffset: residualOffset, norm: layer.norm, epsilon: model.config.normEpsilon, weight: layer.inProj, bias: layer.inProjBias, rows: 2 * dInner, cols: dModel });
      const convOut = convXProj(backend, { xz, window: state[i].window, windowOffset: state[i].windowOffset, conv: layer.conv, convBias: layer.convBias, xProj: layer.xProj }, { dInner, convWidth, projected });
      const scanOut = scanStep(backend, { projected: convOut, xz, h: state[i].h, dtProj: layer.dtProj, dtProjBias: layer.dtProjBias, A: layer.A, D: layer.D }, { dInner, dState, dtRank, rule });
      const out = matvec(backend, { x: scanOut, xOffset: dInner * dState, weight: layer.outProj, bias: layer.outProjBias, residual, residualOffset, rows: dModel, cols: dInner });
      next.push({ window: convOut, windowOffset: projected + dInner, h: scanOut });
      intermediates.push(xz, out);
      residual = out;
      residualOffset = 0;
    });
    const logits = matvec(backend, { x: residual, xOffset: 0, norm: normF, epsilon: model.config.normEpsilon, weight: head, rows: vocabSize, cols: dModel });
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

/** Invocations per workgroup of the matrix-vector product, and lanes that share one row. */
const MATVEC_WORKGROUP = 256;
const MATVEC_LANES = 32;

/** A tree sum of partial[0 … WG) into partial[0]; every invocation must call it (it has barriers). */
const TREE_SUM_WGSL = (workgroup: number) => /* wgsl */ `
fn treeSum(t : i32) {
  for (var stride = ${workgroup / 2}; stride > 0; stride = stride / 2) {
    if (t < stride) { partial[t] = partial[t] + partial[t + stride]; }
    workgroupBarrier();
  }
}`;

/**
 * out[r] = Σ_k W[r, k]·x̂[k] (+ bias[r]) (+ residual[r]) for r < rows, with x̂ = x or, with a norm,
 * RMSNorm(x) ⊙ w. x and residual are read from offsets into their buffers. 32 lanes per row read W
 * coalesced; every workgroup computes the norm itself (x is small and shared through the cache).
 */
const MATVEC_WGSL = /* wgsl */ `
const WG = ${MATVEC_WORKGROUP};
const LANES = ${MATVEC_LANES};
var<workgroup> partial : array<f32, WG>;
${TREE_SUM_WGSL(MATVEC_WORKGROUP)}
fn main(index : i32) {
  let t = i32(localIndex);
  let cols = uniforms.cols;
  var scale = 1.0;
  if (uniforms.hasNorm == 1) {
    var squares = 0.0;
    for (var k = t; k < cols; k += WG) { let v = in0[uniforms.xOffset + k]; squares += v * v; }
    partial[t] = squares;
    workgroupBarrier();
    treeSum(t);
    scale = inverseSqrt(partial[0] / f32(cols) + uniforms.epsilon);
    workgroupBarrier();
  }
  let lane = t % LANES;
  let r = (index / WG) * (WG / LANES) + t / LANES;
  let row = min(r, uniforms.rows - 1);
  var sum = 0.0;
  for (var k = lane; k < cols; k += LANES) {
    var v = in0[uniforms.xOffset + k];
    if (uniforms.hasNorm == 1) { v = v * scale * in1[k]; }
    sum += in2[row * cols + k] * v;
  }
  partial[t] = sum;
  workgroupBarrier();
  if (lane == 0 && r < uniforms.rows) {
    var total = 0.0;
    for (var l = 0; l < LANES; l++) { total += partial[t + l]; }
    if (uniforms.hasBias == 1) { total += in3[row]; }
    if (uniforms.hasResidual == 1) { total += in4[uniforms.residualOffset + row]; }
    result[row] = total;
  }
}
`;

interface MatvecArgs {
  x: tf.Tensor;
  xOffset: number;
  norm?: tf.Tensor;
  epsilon?: number;
  /** (rows, cols), row-major */
  weight: tf.Tensor;
  bias?: tf.Tensor;
  residual?: tf.Tensor;
  residualOffset?: number;
  rows: number;
  cols: number;
}

function matvec(backend: WebGPUBackend, a: MatvecArgs): tf.Tensor {
  // Absent inputs are bound to `weight` so the bindings stay the same; their flags keep them unread.
  const inputs = [a.x, a.norm ?? a.weight, a.weight, a.bias ?? a.weight, a.residual ?? a.weight];
  const rowsPerGroup = MATVEC_WORKGROUP / MATVEC_LANES;
  return run(backend, "matvec", MATVEC_WGSL, inputs, a.rows, Math.ceil(a.rows / rowsPerGroup), MATVEC_WORKGROUP, [
    ["rows", int(a.rows)],
    ["cols", int(a.cols)],
    ["xOffset", int(a.xOffset)],
    ["residualOffset", int(a.residualOffset ?? 0)],
    ["hasNorm", flag(a.norm)],
    ["hasBias", flag(a.bias)],
    ["hasResidual", flag(a.residual)],
    ["epsilon", { type: "float32", data: [a.epsilon ?? 0] }],
  ]);
}

const CONV_WORKGROUP = 256;

/**
 * One workgroup per row o of x_proj: out[o] = Σ_d W_x[o, d]·u[d] with u = SiLU(conv) recomputed for
 * every channel (k multiply-adds each); workgroup 0 also writes u and the shifted window.
 * Output: [δ | B | C] (projected), u (dInner), the new window (k − 1, dInner).
 */
const CONV_XPROJ_WGSL = /* wgsl */ `
const WG = ${CONV_WORKGROUP};
var<workgroup> partial : array<f32, WG>;
${TREE_SUM_WGSL(CONV_WORKGROUP)}
fn main(index : i32) {
  let t = i32(localIndex);
  let o = index / WG;
  let dInner = uniforms.dInner;
  let k = uniforms.convWidth;
  let windowIn = uniforms.windowOffset;
  let uOut = uniforms.projected;
  let windowOut = uniforms.projected + dInner;
  var sum = 0.0;
  for (var d = t; d < dInner; d += WG) {
    let x = in0[d];
    var conv = in3[d * k + k - 1] * x;
    if (uniforms.hasConvBias == 1) { conv += in4[d]; }
    for (var j = 0; j < k - 1; j++) { conv += in3[d * k + j] * in1[windowIn + j * dInner + d]; }
    let u = conv / (1.0 + exp(-conv));
    sum += in2[o * dInner + d] * u;
    if (o == 0) {
      result[uOut + d] = u;
      for (var j = 0; j < k - 2; j++) { result[windowOut + j * dInner + d] = in1[windowIn + (j + 1) * dInner + d]; }
      result[windowOut + (k - 2) * dInner + d] = x;
    }
  }
  partial[t] = sum;
  workgroupBarrier();
  treeSum(t);
  if (t == 0) { result[o] = partial[0]; }
}
`;

function convXProj(
  backend: WebGPUBackend,
  a: { xz: tf.Tensor; window: tf.Tensor; windowOffset: number; conv: tf.Tensor; convBias?: tf.Tensor; xProj: tf.Tensor },
  { dInner, convWidth, projected }: { dInner: number; convWidth: number; projected: number },
): tf.Tensor {
  const inputs = [a.xz, a.window, a.xProj, a.conv, a.convBias ?? a.conv];
  return run(backend, "convXProj", CONV_XPROJ_WGSL, inputs, projected + convWidth * dInner, projected, CONV_WORKGROUP, [
    ["dInner", int(dInner)],
    ["convWidth", int(convWidth)],
    ["projected", int(projected)],
    ["windowOffset", int(a.windowOffset)],
    ["hasConvBias", flag(a.convBias)],
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
