/**
 * The selective scan (src/math.md#selective-scan) in float32 with its backward pass, in the training layout
 * (batch, length, channels) — tokens outer so that B_t and C_t (shared by all channels) are read once
 * per token:
 *   h_t[c,n] = exp(Δ_t[c] A[c,n]) h_{t−1}[c,n] + Δ_t[c] B_t[n] u_t[c]
 *   y_t[c]   = Σ_n C_t[n] h_t[c,n] + D[c] u_t[c]
 */
import { expFloat32, type Floats } from "./layers.js";

export interface ScanShape {
  batch: number;
  length: number;
  channels: number;
  state: number;
}

/** u, Δ (batch, length, channels); A (channels, state); B, C (batch, length, state); D (channels). */
export interface ScanInputs {
  u: Floats;
  delta: Floats;
  A: Floats;
  B: Floats;
  C: Floats;
  D: Floats;
}

/** y (batch, length, channels) and, for the backward pass, Ā and h for every token (batch, length, channels, state). */
export interface ScanForward {
  y: Floats;
  aBar: Floats;
  states: Floats;
}

export function scanForward(shape: ScanShape, { u, delta, A, B, C, D }: ScanInputs): ScanForward {
  const { batch, length, channels, state } = shape;
  const rows = batch * length;
  const y = new Float32Array(rows * channels);
  const aBar = new Float32Array(rows * channels * state);
  const states = new Float32Array(rows * channels * state);
  const h = new Float32Array(channels * state);
  for (let b = 0; b < batch; b++) {
    h.fill(0);
    for (let t = 0; t < length; t++) {
      const row = b * length + t;
      for (let c = 0; c < channels; c++) {
        const dt = delta[row * channels + c];
        const x = u[row * channels + c];
        const dtx = dt * x;
        let out = D[c] * x;
        for (let n = 0; n < state; n++) {
          const at = (row * channels + c) * state + n;
          const decay = expFloat32(dt * A[c * state + n]);
          const hc = decay * h[c * state + n] + dtx * B[row * state + n];
          h[c * state + n] = hc;
          aBar[at] = decay;
          states[at] = hc;
          out += C[row * state + n] * hc;
        }
        y[row * channels + c] = out;
      }
    }
  }
  return { y, aBar, states };
}

/** Gradients of the scan's inputs; dA and dD are summed over batch and length. */
export interface ScanGradients {
  du: Floats;
  dDelta: Floats;
  dA: Floats;
  dB: Floats;
  dC: Floats;
  dD: Floats;
}

/**
 * Backward through time: with g = ∂L/∂h_{t} carried from t+1 (g ← ∂L/∂h_t · Ā_t),
 * ∂L/∂h_t = dy_t C_t + g; then Ā_t and the input term Δ_t B_t u_t get their shares.
 */
export function scanBackward(shape: ScanShape, inputs: ScanInputs, forward: ScanForward, dy: Floats): ScanGradients {
  const { batch, length, channels, state } = shape;
  const { u, delta, A, B, C, D } = inputs;
  const { aBar, states } = forward;
  const rows = batch * length;
  const du = new Float32Array(rows * channels);
  const dDelta = new Float32Array(rows * channels);
  const dA = new Float32Array(channels * state);
  const dB = new Float32Array(rows * state);
  const dC = new Float32Array(rows * state);
  const dD = new Float32Array(channels);
  const carried = new Float32Array(channels * state);
  const stride = channels * state;
  for (let b = 0; b < batch; b++) {
    carried.fill(0);
    for (let t = length - 1; t >= 0; t--) {
      const row = b * length + t;
      for (let c = 0; c < channels; c++) {
        const g = dy[row * channels + c];
        const dt = delta[row * channels + c];
        const x = u[row * channels + c];
        dD[c] += g * x;
        let dx = g * D[c];
        let dtGrad = 0;
        for (let n = 0; n < state; n++) {
          const at = (row * channels + c) * state + n;
          const dh = g * C[row * state + n] + carried[c * state + n];
          dC[row * state + n] += g * states[at];
          const previous = t > 0 ? states[at - stride] : 0;
          const decay = aBar[at];
          const dDecay = dh * previous * decay;
          const bn = B[row * state + n];
          dtGrad += dDecay * A[c * state + n] + dh * bn * x;
          dA[c * state + n] += dDecay * dt;
          dB[row * state + n] += dh * dt * x;
          dx += dh * dt * bn;
          carried[c * state + n] = dh * decay;
        }
        du[row * channels + c] = dx;
        dDelta[row * channels + c] = dtGrad;
      }
    }
  }
  return { du, dDelta, dA, dB, dC, dD };
}
