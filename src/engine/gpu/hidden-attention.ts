/**
 * The hidden attention matrix and Mamba-2's dual forms on the active tfjs backend, in float32, the
 * GPU counterparts of ../hidden-attention.ts (src/math.md#hidden-attention, #ssd, #chunked-ssd):
 *   M_c[t,s] = Σ_n C_t[n] · exp(A[c,n] · S_c[t,s]) · (B̄/B)(Δ_s[c], A[c,n]) · B_s[n],  S_c[t,s] = Σ_{r=s+1..t} Δ_r[c],
 * for every channel of a layer at once, its summary over channels, and for scalar-A channels
 * (A[c,:] = a_c) the quadratic form y = (L ∘ C B̄ᵀ) u and the chunked algorithm. Segment sums are
 * masked cumulative sums (only the terms r ∈ (s, t] are ever added), never differences of prefix sums,
 * which cancel in float32.
 */
import * as tf from "@tensorflow/tfjs-core";
import { check } from "../errors.js";
import type { LayerScan } from "../hidden-attention.js";
import { checkScanInputs } from "../selective-scan.js";
import type { BRule, Numbers, SelectiveScanInputs } from "../types.js";
import { gpuRule } from "./block-forward.js";

const f32 = (values: Numbers) => (values instanceof Float32Array ? values : Float32Array.from(values));

/** (size, size): 1 where t ≥ s (strict: t > s), 0 elsewhere. */
function lowerTriangle(size: number, strict = false): tf.Tensor2D {
  return tf.tidy(() => {
    const lower = tf.linalg.bandPart(tf.ones([size, size]), -1, 0) as tf.Tensor2D;
    return strict ? tf.sub(lower, tf.eye(size)) : lower;
  });
}

/** x (rows, L) → S (rows, L, L) with S[r,t,s] = Σ_{s<i≤t} x[r,i] (0 where t ≤ s): a cumsum over t of x masked to i > s. */
export function segmentSumsTf(x: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [rows, L] = x.shape;
    return tf.cumsum(tf.mul(tf.reshape(x, [rows, L, 1]), lowerTriangle(L, true)), 1) as tf.Tensor3D;
  });
}

/** B̄/B for `rule`, elementwise for Δ and A broadcast together: Δ ("mamba") or (e^{ΔA} − 1)/A ("zoh"). */
function inputScaleTf(rule: BRule, delta: tf.Tensor, a: tf.Tensor): tf.Tensor {
  return rule === "mamba" ? delta : tf.div(tf.expm1(tf.mul(delta, a)), a);
}

/**
 * M of every channel of `layer`, (channels, L, L), zero above the diagonal. One pass per state n adds
 * that state's term for all channels, so memory stays at a few (channels, L, L) tensors.
 */
export function hiddenAttentionTf(layer: LayerScan): tf.Tensor3D {
  const { length: L, channels: D, state: N } = layer;
  for (const [name, values, size] of [["u", layer.u, L * D], ["delta", layer.delta, L * D], ["A", layer.A, D * N], ["B", layer.B, L * N], ["C", layer.C, L * N]] as const) {
    check(values.length === size, `hidden attention: ${name} has ${values.length} values, expected ${size}`);
  }
  return tf.tidy(() => {
    const delta = tf.transpose(tf.tensor2d(f32(layer.delta), [L, D])) as tf.Tensor2D; // (D, L)
    const A = tf.tensor2d(f32(layer.A), [D, N]);
    const B = tf.tensor2d(f32(layer.B), [L, N]);
    const C = tf.tensor2d(f32(layer.C), [L, N]);
    const sums = segmentSumsTf(delta);
    let matrices: tf.Tensor3D = tf.zeros([D, L, L]);
    for (let n = 0; n < N; n++) {
      const next = tf.tidy(() => {
        const a = tf.slice(A, [0, n], [D, 1]); // (D, 1)
        const decay = tf.exp(tf.mul(tf.reshape(a, [D, 1, 1]), sums)); // (D, L, L)
        const query = tf.reshape(tf.slice(C, [0, n], [L, 1]), [1, L, 1]);
        const key = tf.reshape(tf.mul(inputScaleTf(layer.rule, delta, a), tf.reshape(tf.slice(B, [0, n], [L, 1]), [1, L])), [D, 1, L]);
        return tf.add(matrices, tf.mul(tf.mul(decay, query), key)) as tf.Tensor3D;
      });
      matrices.dispose();
      matrices = next;
    }
    return tf.mul(matrices, lowerTriangle(L)) as tf.Tensor3D;
  });
}

/**
 * The summary over channels of M (channels, L, L) → (L, L): each channel's |M| min–max normalised over
 * its entries t ≥ s (0 where max = min), then the mean over channels, as layerSummary in float64.
 */
export function layerSummaryTf(matrices: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const L = matrices.shape[1];
    const lower = lowerTriangle(L);
    const magnitude = tf.abs(matrices);
    const high = tf.max(magnitude, [1, 2], true);
    // Above the diagonal M is 0; lift those entries out of the minimum's way.
    const low = tf.min(tf.add(magnitude, tf.mul(tf.sub(1, lower), 1e30)), [1, 2], true);
    const range = tf.sub(high, low);
    const normalised = tf.mul(tf.div(tf.sub(magnitude, low), tf.maximum(range, 1e-30)), tf.cast(tf.greater(range, 0), "float32"));
    return tf.mean(tf.mul(normalised, lower), 0) as tf.Tensor2D;
  });
}

/** The scalar a_c of every channel of a scan case whose rows A[c,:] are constant (Mamba-2's A = a·I). */
function scalarDecays(inputs: SelectiveScanInputs): Float32Array {
  checkScanInputs(inputs);
  check(inputs.batch === 1, `the dual forms take one sequence, got batch ${inputs.batch}`);
  const { channels, state: N, A } = inputs;
  return Float32Array.from({ length: channels }, (_, c) => {
    check(A.subarray(c * N, (c + 1) * N).every((v) => v === A[c * N]), `the dual forms need one scalar A per channel; channel ${c} has different A per state`);
    return A[c * N];
  });
}

/** The case's tensors: Δ, u (H, L); B, C token-major (L, N); a (H, 1); x̃ = (B̄/B)(Δ, a) u (H, L). */
function dualInputs(inputs: SelectiveScanInputs) {
  const { channels: H, length: L, state: N } = inputs;
  const a = tf.tensor2d(scalarDecays(inputs), [H, 1]);
  const delta = tf.tensor2d(f32(inputs.delta), [H, L]);
  const scaledInput = tf.mul(inputScaleTf(gpuRule(inputs.rule), delta, a), tf.tensor2d(f32(inputs.u), [H, L])) as tf.Tensor2D;
  const B = tf.transpose(tf.tensor2d(f32(inputs.B), [N, L])) as tf.Tensor2D;
  const C = tf.transpose(tf.tensor2d(f32(inputs.C), [N, L])) as tf.Tensor2D;
  return { a, delta, scaledInput, B, C };
}

/**
 * Mamba-2's quadratic ("attention") form for a scalar-A scan case (batch 1, golden layout):
 * y_c = (L_c ∘ C Bᵀ) x̃_c with L_c[t,s] = exp(a_c S_c[t,s]) (t ≥ s), x̃ = (B̄/B) u. Returns y (channels, L).
 * Work and memory O(channels · L²).
 */
export function ssdQuadraticTf(inputs: SelectiveScanInputs): tf.Tensor2D {
  return tf.tidy(() => {
    const { channels: H, length: L } = inputs;
    const { a, delta, scaledInput, B, C } = dualInputs(inputs);
    const mask = tf.mul(tf.exp(tf.mul(tf.reshape(a, [H, 1, 1]), segmentSumsTf(delta))), lowerTriangle(L));
    const scores = tf.mul(mask, tf.matMul(C, B, false, true)) as tf.Tensor3D;
    return tf.reshape(tf.matMul(scores, tf.reshape(scaledInput, [H, L, 1])), [H, L]) as tf.Tensor2D;
  });
}

/**
 * Mamba-2's chunked algorithm for a scalar-A scan case (batch 1, golden layout), chunks of `chunkSize`
 * (the sequence is padded with Δ = u = 0 to a whole number of chunks; padding comes after every real
 * token, so it changes nothing): (1) diagonal blocks as masked attention; (2) each chunk's state;
 * (3) states passed across chunks by a small (chunks + 1)² decay matrix; (4) the entering states read
 * out by C. Returns y (channels, L).
 */
export function ssdChunkedTf(inputs: SelectiveScanInputs, chunkSize: number): tf.Tensor2D {
  check(Number.isInteger(chunkSize) && chunkSize >= 1, `chunk size must be a positive integer, got ${chunkSize}`);
  return tf.tidy(() => {
    const { channels: H, length: L, state: N } = inputs;
    const Q = chunkSize;
    const K = Math.ceil(L / Q);
    const pad = K * Q - L;
    const { a, delta, scaledInput, B, C } = dualInputs(inputs);
    const inChunks = (x: tf.Tensor2D) => tf.reshape(tf.pad(x, [[0, 0], [0, pad]]), [H, K, Q]); // (H, L) → (H, K, Q)
    const logDecay = inChunks(tf.mul(a, delta) as tf.Tensor2D); // ℓ_t = a Δ_t
    const x = inChunks(scaledInput);
    const Bc = tf.reshape(tf.pad(B, [[0, pad], [0, 0]]), [K, Q, N]);
    const Cc = tf.reshape(tf.pad(C, [[0, pad], [0, 0]]), [K, Q, N]);
    // (1) Diagonal blocks: (L ∘ C Bᵀ) x̃ within each chunk.
    const within = segmentSumsTf(tf.reshape(logDecay, [H * K, Q]) as tf.Tensor2D); // (H·K, Q, Q)
    const mask = tf.reshape(tf.mul(tf.exp(within), lowerTriangle(Q)), [H, K, Q, Q]);
    const scores = tf.reshape(tf.mul(mask, tf.matMul(Cc, Bc, false, true)), [H * K, Q, Q]) as tf.Tensor3D;
    const yWithin = tf.reshape(tf.matMul(scores, tf.reshape(x, [H * K, Q, 1])), [H, K, Q]);
    // (2) What each chunk writes into the state by its end: Σ_s exp(Σ_{s<r≤end} ℓ_r) x̃_s B_s (the last row of the segment sums).
    const decayToEnd = tf.reshape(tf.exp(tf.slice(within, [0, Q - 1, 0], [H * K, 1, Q])), [H, K, Q]);
    const chunkStates = tf.matMul(tf.transpose(tf.mul(decayToEnd, x), [1, 0, 2]) as tf.Tensor3D, Bc); // (K, H, N)
    // (3) Across chunks: entering[k] = Σ_{j<k} exp(Σ_{j<i<k} T_i) chunkState_j, T_i = Σ ℓ over chunk i.
    const totals = tf.pad(tf.sum(logDecay, 2), [[0, 0], [1, 0]]) as tf.Tensor2D; // (H, K + 1), a leading 0 for the initial state
    const transfer = tf.mul(tf.exp(segmentSumsTf(totals)), lowerTriangle(K + 1)) as tf.Tensor3D; // (H, K + 1, K + 1)
    const stacked = tf.transpose(tf.concat([tf.zeros([1, H, N]), chunkStates], 0), [1, 0, 2]) as tf.Tensor3D; // (H, K + 1, N)
    const entering = tf.slice(tf.matMul(transfer, stacked), [0, 0, 0], [H, K, N]); // (H, K, N)
    // (4) The entering state read out: C_t · exp(Σ_{start≤r≤t} ℓ_r) · entering.
    const readout = tf.transpose(tf.matMul(Cc, tf.transpose(entering, [1, 2, 0]) as tf.Tensor3D), [2, 0, 1]); // (H, K, Q)
    const yFromState = tf.mul(readout, tf.exp(tf.cumsum(logDecay, 2)));
    return tf.slice(tf.reshape(tf.add(yWithin, yFromState), [H, K * Q]), [0, 0], [H, L]) as tf.Tensor2D;
  });
}
