/**
 * The fused selective scan for tfjs's WebGL2 backend. A fragment shader writes one value and has no
 * shared memory, so the recurrence is split over time into chunks of Q tokens and run in three
 * passes, each parallel over everything but time (src/math.md#chunked-kernel):
 *   1. chunk summary, per (batch, channel, chunk, state): the chunk's own final state from h = 0,
 *      and its decay Π_t e^{Δ_t A} = e^{A Σ_t Δ_t};
 *   2. carry, per (batch, channel, chunk, state): the state entering each chunk,
 *      h_in[k] = Σ_{j<k} (Π_{j<i<k} decay_i) · local_j, and after the last chunk the final state;
 *   3. readout, per (token, channel): from h_in of its chunk, at most Q steps for every state, then
 *      y_t = C_t · h_t and out_t = (y_t + D u_t)·SiLU(z_t).
 * Work per channel is about N·(L + K²/2 + L·Q/2) for K = L/Q chunks; Q = ∛(2L) minimises it (≈ 10×
 * the sequential scan at L = 1024, spread over L·channels fragments instead of channels·N threads).
 * Sizes and strides are uniforms.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendWebGL } from "@tensorflow/tfjs-backend-webgl";
import { scanStrides, type ScanLayoutName, type ScanSizes } from "./layout.js";
import type { BRule } from "../types.js";
import type { ScanTensors } from "./wgsl.js";

type UniformType = "int";

/** Tokens per chunk: ∛(2L), rounded, at least 1. */
export function webglChunkLength(length: number): number {
  return Math.max(1, Math.round(Math.cbrt(2 * length)));
}

const UNIFORMS = [
  "channels", "tokens", "state", "chunk", "rule", "hasZ",
  "xBatch", "xChannel", "xTime", "bcBatch", "bcState", "bcTime",
] as const;

const DECLARE_HELPERS = `
  // B̄/B: Δ (rule 0, Mamba) or Δ·(e^z − 1)/z with z = ΔA (rule 1, ZOH); a series near 0, where e^z − 1 cancels.
  float inputScale(float dt, float za) {
    if (rule == 0) return dt;
    if (abs(za) < 0.1) return dt * (1.0 + za * (0.5 + za * (1.0 / 6.0 + za * (1.0 / 24.0 + za / 120.0))));
    return dt * (exp(za) - 1.0) / za;
  }
`;

const SUMMARY_SHADER = `${DECLARE_HELPERS}
  void main() {
    ivec3 coords = getOutputCoords();
    int row = coords.x;
    int k = coords.y;
    bool isDecay = coords.z >= state;
    int n = isDecay ? coords.z - state : coords.z;
    int b = row / channels;
    int c = row - b * channels;
    float a = getA(c * state + n);
    int xRow = b * xBatch + c * xChannel;
    int bcBase = b * bcBatch + n * bcState;
    int t1 = min((k + 1) * chunk, tokens);
    float h = 0.0;
    float deltaSum = 0.0;
    for (int t = k * chunk; t < t1; t++) {
      int at = xRow + t * xTime;
      float dt = getDelta(at);
      float za = dt * a;
      deltaSum += dt;
      h = exp(za) * h + inputScale(dt, za) * getB(bcBase + t * bcTime) * getU(at);
    }
    setOutput(isDecay ? exp(a * deltaSum) : h);
  }
`;

const CARRY_SHADER = `
  void main() {
    ivec3 coords = getOutputCoords();
    float h = 0.0;
    for (int j = 0; j < coords.y; j++) {
      h = getSummary(coords.x, j, state + coords.z) * h + getSummary(coords.x, j, coords.z);
    }
    setOutput(h);
  }
`;

const READOUT_SHADER = `${DECLARE_HELPERS}
  void main() {
    ivec2 coords = getOutputCoords();
    int i = coords.y;
    int b = i / xBatch;
    int rest = i - b * xBatch;
    int c;
    int t;
    if (xChannel > xTime) {
      c = rest / xChannel;
      t = (rest - c * xChannel) / xTime;
    } else {
      t = rest / xTime;
      c = (rest - t * xTime) / xChannel;
    }
    int k = t / chunk;
    int xRow = b * xBatch + c * xChannel;
    float y = 0.0;
    for (int n = 0; n < state; n++) {
      float a = getA(c * state + n);
      float h = getStarts(b * channels + c, k, n);
      int bcBase = b * bcBatch + n * bcState;
      for (int s = k * chunk; s <= t; s++) {
        int at = xRow + s * xTime;
        float dt = getDelta(at);
        float za = dt * a;
        h = exp(za) * h + inputScale(dt, za) * getB(bcBase + s * bcTime) * getU(at);
      }
      y += getC(bcBase + t * bcTime) * h;
    }
    float gated = y + getD(c) * getU(i);
    if (hasZ == 1) {
      float g = getGate(i);
      gated = gated * g / (1.0 + exp(-g));
    }
    setOutput(coords.x == 0 ? gated : y);
  }
`;

function program(variableNames: string[], outputShape: number[], userCode: string) {
  return {
    variableNames,
    outputShape,
    userCode,
    enableShapeUniforms: true,
    customUniforms: UNIFORMS.map((name) => ({ name, type: "int" as UniformType })),
  };
}

/** Runs the three passes; returns the packed float32 buffer of layout.ts as a new 1-D tensor. */
export function scanWebGL(
  backend: MathBackendWebGL,
  tensors: ScanTensors,
  sizes: ScanSizes,
  layout: ScanLayoutName,
  rule: BRule,
  keepRaw: boolean,
): tf.Tensor1D {
  const { batch, channels, length, state } = sizes;
  const chunk = webglChunkLength(length);
  const chunks = Math.ceil(length / chunk);
  const rows = batch * channels;
  const strides = scanStrides(layout, sizes);
  const values: Record<(typeof UNIFORMS)[number], number> = {
    channels,
    tokens: length,
    state,
    chunk,
    rule: rule === "mamba" ? 0 : 1,
    hasZ: tensors.z ? 1 : 0,
    xBatch: strides.xBatch,
    xChannel: strides.xChannel,
    xTime: strides.xTime,
    bcBatch: strides.bcBatch,
    bcState: strides.bcState,
    bcTime: strides.bcTime,
  };
  const uniformValues = UNIFORMS.map((name) => [values[name]]);
  const run = (p: ReturnType<typeof program>, inputs: tf.TensorInfo[]): tf.Tensor =>
    tf.engine().makeTensorFromTensorInfo(backend.runWebGLProgram(p, inputs, "float32", uniformValues));
  return tf.tidy(() => {
    const flat = (t: tf.Tensor) => tf.reshape(t, [t.size]);
    const [u, delta, A, B, C, D] = [tensors.u, tensors.delta, tensors.A, tensors.B, tensors.C, tensors.D].map(flat);
    const gate = flat(tensors.z ?? tensors.u);
    const summary = run(program(["u", "delta", "A", "B"], [rows, chunks, 2 * state], SUMMARY_SHADER), [u, delta, A, B]);
    const starts = run(program(["summary"], [rows, chunks + 1, state], CARRY_SHADER), [summary]);
    const planes = keepRaw ? 2 : 1;
    const tokens = rows * length;
    const readout = run(
      program(["u", "delta", "A", "B", "C", "D", "gate", "starts"], [planes, tokens], READOUT_SHADER),
      [u, delta, A, B, C, D, gate, starts],
    );
    const finalState = tf.slice(starts, [0, chunks, 0], [rows, 1, state]);
    const parts = [tf.slice(readout, [0, 0], [1, tokens]), finalState];
    if (keepRaw) parts.push(tf.slice(readout, [1, 0], [1, tokens]));
    return tf.concat(parts.map(flat)) as tf.Tensor1D;
  });
}
