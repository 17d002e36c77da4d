/**
 * Recurrent decoding on WebGPU (src/math.md#decoding): one token through the whole model per call,
 * the state (per layer the conv window and h) kept on the GPU between calls, only the logits read back.
 * Per layer four WGSL dispatches (three of them one "projection" program):
 *   1. RMSNorm + in_proj:           [x | z] = W_in · (r ⊙ rsqrt(mean(r²) + ε) ⊙ w_norm)
 *   2. conv step + SiLU + x_proj:    u = SiLU(conv([window | x])), [δ | B | C] = W_x · u, window ← [window₁… | x]
 *   3. dt_proj + softplus + scan step + gate, one invocation per channel:
 *        Δ = softplus(W_dt·δ + b), h ← e^{ΔA}·h + B̄·u, yGated = (C·h + D·u)·SiLU(z)
 *   4. out_proj + residual:          r ← r + W_out · yGated
 * then RMSNorm_f + head (one dispatch) for the logits; step 1 of layer 0 reads the token's embedding row.
 * The dispatches run on tfjs's WebGPU device but not through tfjs: every buffer, pipeline and bind
 * group is made once, the state alternates between two sets of buffers, and a step is one command
 * buffer (4·layers + 1 dispatches and a copy of the logits) plus one readback — where tfjs would
 * spend tens of microseconds of script per dispatch. Checked against the float64 reference
 * (model.ts lmStep) in the browser tests.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { check } from "../errors.js";
import { checkTokenIds, type LmState } from "../model.js";
import { checkStateShape } from "../recurrent.js";
import type { DecodeHost } from "./decoder.js";
import type { BRule, MambaModel, Numbers } from "../types.js";
import { softwareAdapter } from "./fused-scan.js";
import { ZOH_SCALE_WGSL } from "./wgsl.js";

/** A model's weights on the GPU for decoding; `start` makes decoding states that share them. */
export interface GpuDecoder {
  readonly model: MambaModel;
  /** A new state at the start of a sequence (conv windows and h all zero). */
  start(): DecodeState;
  /** Frees the weights; states made by `start` must not be stepped afterwards. */
  dispose(): void;
}

/** One sequence being decoded: its state lives on the GPU. Steps run one after another, in call order. */
export interface DecodeState {
  /** Tokens consumed since the start (or the last reset). */
  readonly position: number;
  /** Feeds token `id`; resolves to its logits (vocab) and leaves the next state on the GPU. */
  step(id: number): Promise<Float32Array>;
  /** Back to the start of a sequence. */
  reset(): void;
  /** Continues from `state` (host memory: per layer the conv window and h, engine/block.ts BlockState) after `position` tokens. */
  load(state: LmState, position: number): void;
  /** The state after the last step, read back to host memory. */
  read(): Promise<LmState>;
  dispose(): void;
}

/** A buffer, or one of a pair chosen by the step's parity (the state read, or the state written). */
type Operand = GPUBuffer | ((parity: 0 | 1) => GPUBuffer);

/** A program's uniforms, all 4-byte scalars, in declaration order. */
type Uniforms = [name: string, type: "i32" | "f32", value: number][];

interface Program {
  code: string;
  workgroup: number;
}

/** One dispatch of a step, ready to encode. */
interface Dispatch {
  pipeline: GPUComputePipeline;
  groups: [GPUBindGroup, GPUBindGroup];
  workgroups: [number, number];
  uniformBuffer: GPUBuffer;
  uniforms: Uniforms;
}

/** WebGPU's guaranteed limit on workgroups along one dispatch dimension. */
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** The bindings and entry point around a program body that reads in0…in6, writes result and reads uniforms. */
function shaderModuleCode({ code, workgroup }: Program, uniforms: Uniforms): string {
  return /* wgsl */ `
struct Uniforms { ${uniforms.map(([name, type]) => `${name} : ${type},`).join(" ")} }
@group(0) @binding(0) var<storage, read_write> result : array<f32>;
${Array.from({ length: 7 }, (_, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i} : array<f32>;`).join("\n")}
@group(0) @binding(8) var<uniform> uniforms : Uniforms;
var<private> localIndex : u32;
${code}
@compute @workgroup_size(${workgroup})
fn start(@builtin(local_invocation_index) local : u32, @builtin(workgroup_id) group : vec3<u32>, @builtin(num_workgroups) groups : vec3<u32>) {
  localIndex = local;
  main(i32((group.y * groups.x + group.x) * ${workgroup}u + local));
}
`;
}

/** The uniforms as bytes, padded to 16. */
function uniformBytes(uniforms: Uniforms): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.ceil((uniforms.length * 4) / 16) * 16);
  uniforms.forEach(([, type, value], i) => (type === "i32" ? new Int32Array(bytes, i * 4, 1) : new Float32Array(bytes, i * 4, 1)).set([value]));
  return bytes;
}

/**
 * Uploads `model` to the WebGPU device of tfjs's active backend, which must be "webgpu" (other
 * backends decode with the float64 reference, model.ts lmStep).
 */
export function uploadDecoder(model: MambaModel, rule: BRule = "mamba"): GpuDecoder {
  check(tf.getBackend() === "webgpu", `GPU decoding needs the WebGPU backend, the active one is "${tf.getBackend()}"`);
  const { dInner, dState, convWidth, dtRank, dModel, vocabSize, normEpsilon } = model.config;
  check(convWidth >= 2, `GPU decoding needs a conv width of at least 2, the model has ${convWidth}`);
  const device = (tf.backend() as WebGPUBackend).device;
  const owned: GPUBuffer[] = [];
  const buffer = (floats: number, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC) => {
    const made = device.createBuffer({ size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage });
    owned.push(made);
    return made;
  };
  const upload = (values: Numbers) => {
    const made = buffer(values.length);
    device.queue.writeBuffer(made, 0, Float32Array.from(values));
    return made;
  };
  const optional = (values: Numbers | undefined) => (values ? upload(values) : undefined);
  const layers = model.layers.map(({ norm, mixer }) => ({
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
  const projected = dtRank + 2 * dState;
  /** Where the conv window starts in a layer's conv buffer: after [δ | B | C] and u. */
  const windowOffset = projected + dInner;
  const pipelines = new Map<string, GPUComputePipeline>();
  const pipelineFor = (program: Program, uniforms: Uniforms) => {
    const key = program.code;
    if (!pipelines.has(key)) {
      const module = device.createShaderModule({ code: shaderModuleCode(program, uniforms) });
      pipelines.set(key, device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "start" } }));
    }
    return pipelines.get(key)!;
  };

  return {
    model,
    start() {
      const stateBuffers: GPUBuffer[] = [];
      // A state buffer pair: step parity p reads set p and writes set 1 − p.
      const stateful = (floats: number): { read: Operand; written: Operand } => {
        const pair = [buffer(floats), buffer(floats)];
        stateBuffers.push(...pair);
        return { read: (p) => pair[p], written: (p) => pair[1 - p] };
      };
      const logits = buffer(vocabSize);
      const staging = buffer(vocabSize, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      const dispatches: Dispatch[] = [];
      const add = (program: Program, uniforms: Uniforms, output: Operand, inputs: Operand[], workgroups: number) => {
        const pipeline = pipelineFor(program, uniforms);
        const uniformBuffer = device.createBuffer({ size: uniformBytes(uniforms).byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
        owned.push(uniformBuffer);
        device.queue.writeBuffer(uniformBuffer, 0, uniformBytes(uniforms));
        const resolve = (operand: Operand, parity: 0 | 1) => (typeof operand === "function" ? operand(parity) : operand);
        const group = (parity: 0 | 1) =>
          device.createBindGroup({
            layout: pipeline.getBindGroupLayout(0),
            entries: [output, ...inputs, uniformBuffer].map((operand, binding) => ({ binding, resource: { buffer: resolve(operand, parity) } })),
          });
        const x = Math.min(workgroups, MAX_WORKGROUPS_PER_DIMENSION);
        dispatches.push({ pipeline, groups: [group(0), group(1)], workgroups: [x, Math.ceil(workgroups / x)], uniformBuffer, uniforms });
        return dispatches[dispatches.length - 1];
      };
      let residual: GPUBuffer = embedding;
      const tokenDependent: { dispatch: Dispatch; field: string }[] = [];
      /** Where each layer's state lives: the conv window after u in the conv pair, h first in the scan pair. */
      const layerStates: { conv: { read: Operand }; scan: { read: Operand } }[] = [];
      layers.forEach((layer, i) => {
        const xz = buffer(2 * dInner);
        const convOut = stateful(projected + convWidth * dInner);
        const scanOut = stateful(dInner * dState + dInner);
        layerStates.push({ conv: convOut, scan: scanOut });
        const out = buffer(dModel);
        const inProj = add(PROJECTION, projectionUniforms({ rows: 2 * dInner, cols: dModel, prologue: Prologue.RmsNorm, epsilon: normEpsilon, hasBias: !!layer.inProjBias }), xz, [residual, layer.norm, layer.inProj, layer.inProjBias ?? layer.inProj, layer.inProj, layer.inProj, layer.inProj], projectionWorkgroups(2 * dInner));
        add(PROJECTION, projectionUniforms({ rows: projected, cols: dInner, prologue: Prologue.ConvSilu, convWidth, windowOffset: projected + dInner, hasConvBias: !!layer.convBias }), convOut.written, [xz, layer.conv, layer.xProj, layer.xProj, layer.xProj, convOut.read, layer.convBias ?? layer.xProj], projectionWorkgroups(projected));
        add(SCAN_STEP, scanStepUniforms(dInner, dState, dtRank, rule), scanOut.written, [convOut.written, xz, scanOut.read, layer.dtProj, layer.dtProjBias, layer.A, layer.D], Math.ceil(dInner / SCAN_WORKGROUP));
        const outProj = add(PROJECTION, projectionUniforms({ rows: dModel, cols: dInner, xOffset: dInner * dState, hasBias: !!layer.outProjBias, hasResidual: true }), out, [scanOut.written, layer.outProj, layer.outProj, layer.outProjBias ?? layer.outProj, residual, layer.outProj, layer.outProj], projectionWorkgroups(dModel));
        if (i === 0) tokenDependent.push({ dispatch: inProj, field: "xOffset" }, { dispatch: outProj, field: "residualOffset" });
        residual = out;
      });
      add(PROJECTION, projectionUniforms({ rows: vocabSize, cols: dModel, prologue: Prologue.RmsNorm, epsilon: normEpsilon }), logits, [residual, normF, head, head, head, head, head], projectionWorkgroups(vocabSize));

      let parity: 0 | 1 = 0;
      let position = 0;
      let queue: Promise<unknown> = Promise.resolve();
      const clear = () => {
        const encoder = device.createCommandEncoder();
        stateBuffers.forEach((b) => encoder.clearBuffer(b));
        device.queue.submit([encoder.finish()]);
        parity = 0;
        position = 0;
      };
      clear();
      const run = async (id: number): Promise<Float32Array> => {
        for (const { dispatch, field } of tokenDependent) {
          dispatch.uniforms.find(([name]) => name === field)![2] = id * dModel;
          device.queue.writeBuffer(dispatch.uniformBuffer, 0, uniformBytes(dispatch.uniforms));
        }
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        for (const d of dispatches) {
          pass.setPipeline(d.pipeline);
          pass.setBindGroup(0, d.groups[parity]);
          pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1]);
        }
        pass.end();
        encoder.copyBufferToBuffer(logits, 0, staging, 0, vocabSize * 4);
        device.queue.submit([encoder.finish()]);
        parity = parity === 0 ? 1 : 0;
        position++;
        await staging.mapAsync(GPUMapMode.READ, 0, vocabSize * 4);
        const values = new Float32Array(staging.getMappedRange(0, vocabSize * 4).slice(0));
        staging.unmap();
        return values;
      };
      return {
        get position() {
          return position;
        },
        step(id: number) {
          checkTokenIds([[id]], vocabSize);
          const result = queue.then(() => run(id));
          queue = result.catch(() => undefined);
          return result;
        },
        reset() {
          queue = queue.then(clear);
        },
        load(state, at) {
          checkStateShape(model, state);
          queue = queue.then(() => {
            clear();
            const current = (operand: Operand) => (typeof operand === "function" ? operand(parity) : operand);
            state.forEach((layer, i) => {
              device.queue.writeBuffer(current(layerStates[i].conv.read), windowOffset * 4, Float32Array.from(layer.convWindow));
              device.queue.writeBuffer(current(layerStates[i].scan.read), 0, Float32Array.from(layer.h));
            });
            position = at;
          });
        },
        read() {
          const result = queue.then(async () => {
            const current = (operand: Operand) => (typeof operand === "function" ? operand(parity) : operand);
            const windowFloats = (convWidth - 1) * dInner;
            const perLayer = windowFloats + dInner * dState;
            const readback = device.createBuffer({ size: perLayer * layers.length * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
            const encoder = device.createCommandEncoder();
            layerStates.forEach(({ conv, scan }, i) => {
              encoder.copyBufferToBuffer(current(conv.read), windowOffset * 4, readback, i * perLayer * 4, windowFloats * 4);
              encoder.copyBufferToBuffer(current(scan.read), 0, readback, (i * perLayer + windowFloats) * 4, dInner * dState * 4);
            });
            device.queue.submit([encoder.finish()]);
            await readback.mapAsync(GPUMapMode.READ);
            const values = new Float32Array(readback.getMappedRange().slice(0));
            readback.destroy();
            return layers.map((_layer, i) => ({
              convWindow: Float64Array.from(values.subarray(i * perLayer, i * perLayer + windowFloats)),
              h: Float64Array.from(values.subarray(i * perLayer + windowFloats, (i + 1) * perLayer)),
            }));
          });
          queue = result.catch(() => undefined);
          return result;
        },
        dispose() {
          queue = queue.then(() => stateBuffers.forEach((b) => b.destroy()));
        },
      };
    },
    dispose() {
      owned.forEach((b) => b.destroy());
    },
  };
}

/** The fused step's states as the host of an engine decoder (decoder.ts gpuDecoder). */
export function fusedDecodeHost(decoder: GpuDecoder): DecodeHost {
  return {
    key: decoder,
    model: decoder.model,
    open(start, position) {
      const state = decoder.start();
      if (start) state.load(start, position);
      return state;
    },
  };
}

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
const PROJECTION: Program = { workgroup: PROJECTION_WORKGROUP, code: /* wgsl */ `
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
` };

interface ProjectionOptions {
  rows: number;
  cols: number;
  prologue?: Prologue;
  xOffset?: number;
  residualOffset?: number;
  hasBias?: boolean;
  hasResidual?: boolean;
  convWidth?: number;
  windowOffset?: number;
  hasConvBias?: boolean;
  epsilon?: number;
}

let forcedSoftwareLanes: boolean | undefined;

/** Forces the lanes per row chosen for a software adapter (true) or a GPU (false), so tests check both anywhere; undefined: by adapter. Applies to decoders made afterwards. */
export function forceDecodeLanes(software: boolean | undefined): void {
  forcedSoftwareLanes = software;
}

/** Lanes per row: coalesced rows on a GPU, few workgroups on a software adapter. */
function lanesFor(rows: number): number {
  if (forcedSoftwareLanes ?? softwareAdapter()) return 4;
  return rows < PROJECTION_WORKGROUP ? PROJECTION_WORKGROUP : 32;
}

const projectionWorkgroups = (rows: number) => Math.ceil(rows / (PROJECTION_WORKGROUP / lanesFor(rows)));

function projectionUniforms(o: ProjectionOptions): Uniforms {
  return [
    ["rows", "i32", o.rows],
    ["cols", "i32", o.cols],
    ["lanes", "i32", lanesFor(o.rows)],
    ["prologue", "i32", o.prologue ?? Prologue.Plain],
    ["xOffset", "i32", o.xOffset ?? 0],
    ["residualOffset", "i32", o.residualOffset ?? 0],
    ["hasBias", "i32", o.hasBias ? 1 : 0],
    ["hasResidual", "i32", o.hasResidual ? 1 : 0],
    ["convWidth", "i32", o.convWidth ?? 1],
    ["windowOffset", "i32", o.windowOffset ?? 0],
    ["hasConvBias", "i32", o.hasConvBias ? 1 : 0],
    ["epsilon", "f32", o.epsilon ?? 0],
  ];
}

const SCAN_WORKGROUP = 64;

/**
 * One invocation per channel d: Δ = softplus(W_dt[d]·δ + b[d]); for every state n
 * h[d, n] ← e^{ΔA[d,n]}·h[d, n] + B̄·B[n]·u[d] (B̄/B = Δ, or Δ(e^{ΔA} − 1)/(ΔA) for ZOH);
 * yGated[d] = (Σ_n C[n]·h[d, n] + D[d]·u[d])·SiLU(z[d]). Output: h (dInner, dState), then yGated.
 */
const SCAN_STEP: Program = { workgroup: SCAN_WORKGROUP, code: /* wgsl */ `
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
// B̄/B: Δ (rule 0) or ZOH's Δ·(e^z − 1)/z with z = ΔA (rule 1).
fn inputScale(dt : f32, z : f32, decay : f32) -> f32 {
  if (uniforms.rule == 0) { return dt; }
  return zohScale(dt, z, decay, dt / z);
}
${ZOH_SCALE_WGSL}
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
` };

const scanStepUniforms = (dInner: number, state: number, dtRank: number, rule: BRule): Uniforms => [
  ["dInner", "i32", dInner],
  ["state", "i32", state],
  ["dtRank", "i32", dtRank],
  ["rule", "i32", rule === "mamba" ? 0 : 1],
];
