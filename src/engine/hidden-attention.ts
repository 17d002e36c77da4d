/**
 * The selective scan as a matrix that mixes tokens, like attention (src/math.md#hidden-attention):
 * unrolling h_t = Ā_t h_{t−1} + B̄_t u_t, y_t = C_t·h_t from h_{−1} = 0 gives y = M u with M lower
 * triangular,
 *   M[t,s] = C_t · (Ā_t ⋯ Ā_{s+1}) · B̄_s
 *          = Σ_n C_t[n] · exp(A[n] · Σ_{r=s+1..t} Δ_r) · (B̄/B)(Δ_s, A[n]) · B_s[n],   t ≥ s,
 * for one channel of a diagonal-A (Mamba-1) layer; the "hidden attention" of Ali et al. 2024.
 * Mamba-2's restriction to a scalar A per head makes M = L ∘ (C B̄ᵀ) with a 1-semiseparable mask L
 * (masked linear attention), and the chunked algorithm (src/math.md#chunked-ssd) computes y from
 * attention-like diagonal blocks and states passed between chunks (Dao & Gu 2024, "Transformers are
 * SSMs"). Float64, framework-free; matrices are row-major (length, length), zero above the diagonal.
 */
import { inputScale } from "./discretise.js";
import { check } from "./errors.js";
import { selectiveScan } from "./selective-scan.js";
import type { BRule, Numbers, SelectiveScanInputs } from "./types.js";

/** One channel c of a selective scan, token-major: everything M of that channel depends on. */
export interface ChannelScan {
  /** L, the number of tokens. */
  length: number;
  /** N, the number of states. */
  state: number;
  /** (L): the scan's input u_t[c] */
  u: Float64Array;
  /** (L): Δ_t[c], after softplus */
  delta: Float64Array;
  /** (N): A[c, n], negative */
  A: Float64Array;
  /** (L, N): B_t, shared by all channels */
  B: Float64Array;
  /** (L, N): C_t, shared by all channels */
  C: Float64Array;
  rule: BRule;
}

/** The scan tensors of one layer (batch 1), token-major as the block computes them. */
export interface LayerScan {
  length: number;
  /** Di */
  channels: number;
  /** N */
  state: number;
  /** (L, Di): the scan's input u (SiLU(conv(x)) in the block) */
  u: Numbers;
  /** (L, Di) */
  delta: Numbers;
  /** (Di, N) */
  A: Numbers;
  /** (L, N) */
  B: Numbers;
  /** (L, N) */
  C: Numbers;
  rule: BRule;
}

/** Channel c of a layer's scan. */
export function channelOfLayer(layer: LayerScan, channel: number): ChannelScan {
  const { length: L, channels, state: N } = layer;
  check(Number.isInteger(channel) && channel >= 0 && channel < channels, `channel ${channel} is outside 0..${channels - 1}`);
  const column = (values: Numbers) => Float64Array.from({ length: L }, (_, t) => values[t * channels + channel]);
  return {
    length: L,
    state: N,
    u: column(layer.u),
    delta: column(layer.delta),
    A: Float64Array.from(layer.A.subarray(channel * N, (channel + 1) * N)),
    B: Float64Array.from(layer.B),
    C: Float64Array.from(layer.C),
    rule: layer.rule,
  };
}

/** Channel c of batch row b of a scan case in the golden layout ((batch, channels, length) and (batch, state, length)). */
export function channelOfScan(inputs: SelectiveScanInputs, channel: number, batchRow = 0): ChannelScan {
  const { channels, length: L, state: N } = inputs;
  check(Number.isInteger(channel) && channel >= 0 && channel < channels, `channel ${channel} is outside 0..${channels - 1}`);
  check(Number.isInteger(batchRow) && batchRow >= 0 && batchRow < inputs.batch, `batch row ${batchRow} is outside 0..${inputs.batch - 1}`);
  const row = (values: Numbers) => Float64Array.from(values.subarray((batchRow * channels + channel) * L, (batchRow * channels + channel + 1) * L));
  const tokenMajor = (values: Numbers) => Float64Array.from({ length: L * N }, (_, i) => values[(batchRow * N + (i % N)) * L + Math.floor(i / N)]);
  return {
    length: L,
    state: N,
    u: row(inputs.u),
    delta: row(inputs.delta),
    A: Float64Array.from(inputs.A.subarray(channel * N, (channel + 1) * N)),
    B: tokenMajor(inputs.B),
    C: tokenMajor(inputs.C),
    rule: hiddenAttentionRule(inputs.rule),
  };
}

/** The rules whose Ā is e^{ΔA}, the only ones whose product of decays is one exponential (M's form). */
function hiddenAttentionRule(rule: SelectiveScanInputs["rule"]): BRule {
  check(rule === "mamba" || rule === "zoh", `the hidden-attention matrix needs Ā = e^{ΔA} (rules "mamba" and "zoh"), not "${rule}"`);
  return rule;
}

/** The channel as a one-channel scan case (golden layout), so the reference scan runs it unchanged. */
export function channelScanInputs(channel: ChannelScan): SelectiveScanInputs {
  const { length: L, state: N } = channel;
  const stateMajor = (values: Float64Array) => Float64Array.from({ length: N * L }, (_, i) => values[(i % L) * N + Math.floor(i / L)]);
  return { batch: 1, channels: 1, length: L, state: N, u: channel.u, delta: channel.delta, A: channel.A, B: stateMajor(channel.B), C: stateMajor(channel.C), rule: channel.rule };
}

/** The scan's y for the channel (before skip and gate), by the reference recurrence. */
export function scanChannel(channel: ChannelScan): Float64Array {
  return Float64Array.from(selectiveScan(channelScanInputs(channel)).y);
}

/**
 * S[t,s] = Σ_{r=s+1..t} Δ_r for t ≥ s (0 on the diagonal and above), (L, L). Each column is a running
 * sum from s + 1 down to t, never a difference of two prefix sums Δcum_t − Δcum_s: that difference
 * cancels once the prefix grows large (in float32 it loses the digits the exponent A·S needs).
 */
export function decaySums(delta: ArrayLike<number>): Float64Array {
  const L = delta.length;
  const sums = new Float64Array(L * L);
  for (let s = 0; s < L; s++) {
    let sum = 0;
    for (let t = s + 1; t < L; t++) {
      sum += delta[t];
      sums[t * L + s] = sum;
    }
  }
  return sums;
}

/** Adds the state-n term C_t[n] · exp(A[n]·S[t,s]) · (B̄/B)(Δ_s, A[n]) · B_s[n] (t ≥ s) into `target` (L, L). */
function addStateTerm(target: Float64Array, channel: ChannelScan, n: number, sums: Float64Array): void {
  const { length: L, state: N, A, B, C, delta, rule } = channel;
  const a = A[n];
  for (let s = 0; s < L; s++) {
    const key = inputScale(rule, a, delta[s]) * B[s * N + n];
    for (let t = s; t < L; t++) target[t * L + s] += C[t * N + n] * Math.exp(a * sums[t * L + s]) * key;
  }
}

function checkChannel(channel: ChannelScan): void {
  const { length: L, state: N } = channel;
  check(Number.isInteger(L) && L > 0 && Number.isInteger(N) && N > 0, `hidden attention: length and state must be positive integers, got ${L} and ${N}`);
  const expected: [string, Float64Array, number][] = [
    ["u", channel.u, L],
    ["delta", channel.delta, L],
    ["A", channel.A, N],
    ["B", channel.B, L * N],
    ["C", channel.C, L * N],
  ];
  for (const [name, values, size] of expected) check(values.length === size, `hidden attention: ${name} has ${values.length} values, expected ${size}`);
}

/**
 * M (L, L) of one channel: M[t,s] = Σ_n C_t[n] exp(A[n] S[t,s]) (B̄/B)(Δ_s, A[n]) B_s[n] for t ≥ s,
 * 0 above the diagonal, so that y = M u is the scan's y (src/math.md#hidden-attention).
 */
export function hiddenAttention(channel: ChannelScan): Float64Array {
  checkChannel(channel);
  const sums = decaySums(channel.delta);
  const matrix = new Float64Array(channel.length * channel.length);
  for (let n = 0; n < channel.state; n++) addStateTerm(matrix, channel, n, sums);
  return matrix;
}

/**
 * The state-n term of M (src/math.md#rank-one-terms), (L, L): M⁽ⁿ⁾[t,s] = q_t · w_{t,s} · k_s with
 * q_t = C_t[n], k_s = (B̄/B)(Δ_s, A[n]) B_s[n] and w_{t,s} = exp(A[n] S[t,s]) = e^{A[n] P_t} / e^{A[n] P_s}
 * (P the prefix sums of Δ): every block at or below the diagonal is rank one, so M⁽ⁿ⁾ is
 * 1-semiseparable, and M = Σ_n M⁽ⁿ⁾.
 */
export function stateTerm(channel: ChannelScan, n: number): Float64Array {
  checkChannel(channel);
  check(Number.isInteger(n) && n >= 0 && n < channel.state, `state ${n} is outside 0..${channel.state - 1}`);
  const matrix = new Float64Array(channel.length * channel.length);
  addStateTerm(matrix, channel, n, decaySums(channel.delta));
  return matrix;
}

/** y = M u for a lower-triangular M (L, L): y_t = Σ_{s ≤ t} M[t,s] u_s. */
export function mixTokens(matrix: ArrayLike<number>, u: ArrayLike<number>): Float64Array {
  const L = u.length;
  check(matrix.length === L * L, `mixTokens: the matrix has ${matrix.length} values, expected ${L} × ${L}`);
  const y = new Float64Array(L);
  for (let t = 0; t < L; t++) {
    let sum = 0;
    for (let s = 0; s <= t; s++) sum += matrix[t * L + s] * u[s];
    y[t] = sum;
  }
  return y;
}

/**
 * |M| min–max normalised over its causal entries t ≥ s: (|M[t,s]| − min)/(max − min) with min and max
 * of |M| over t ≥ s, 0 above the diagonal and everywhere when max = min. This is the normalisation
 * Ali et al. use to draw hidden attention matrices (min–max of the absolute values, from v2 of the paper).
 */
export function normalisedMagnitude(matrix: ArrayLike<number>, length: number): Float64Array {
  let low = Infinity;
  let high = -Infinity;
  for (let t = 0; t < length; t++) {
    for (let s = 0; s <= t; s++) {
      const magnitude = Math.abs(matrix[t * length + s]);
      low = Math.min(low, magnitude);
      high = Math.max(high, magnitude);
    }
  }
  const out = new Float64Array(length * length);
  if (!(high > low)) return out;
  for (let t = 0; t < length; t++) {
    for (let s = 0; s <= t; s++) out[t * length + s] = (Math.abs(matrix[t * length + s]) - low) / (high - low);
  }
  return out;
}

/**
 * The summary of a layer over its channels (src/math.md#hidden-attention): the mean over the Di
 * channels of each channel's normalisedMagnitude(M_c), (L, L), every entry in [0, 1].
 */
export function layerSummary(layer: LayerScan): Float64Array {
  const L = layer.length;
  const summary = new Float64Array(L * L);
  for (let c = 0; c < layer.channels; c++) {
    const normalised = normalisedMagnitude(hiddenAttention(channelOfLayer(layer, c)), L);
    for (let i = 0; i < summary.length; i++) summary[i] += normalised[i] / layer.channels;
  }
  return summary;
}

/**
 * The largest departure of M from a Toeplitz matrix, max |M[t,s] − M[t−1,s−1]| over 1 ≤ s ≤ t: zero
 * (up to rounding) exactly when every diagonal is constant, as for a time-invariant scan, whose
 * diagonal t − s = ℓ holds the convolution kernel K̄_ℓ.
 */
export function toeplitzDeparture(matrix: ArrayLike<number>, length: number): number {
  let worst = 0;
  for (let t = 1; t < length; t++) {
    for (let s = 1; s <= t; s++) worst = Math.max(worst, Math.abs(matrix[t * length + s] - matrix[(t - 1) * length + s - 1]));
  }
  return worst;
}

/** The first column of M, M[ℓ, 0]: for a Toeplitz M this is the kernel K̄_ℓ, ℓ = 0..L−1. */
export function firstColumn(matrix: ArrayLike<number>, length: number): Float64Array {
  return Float64Array.from({ length }, (_, t) => matrix[t * length]);
}

/**
 * The numerical rank of a (rows, columns) block of a row-major matrix with `stride` columns, starting
 * at (row0, column0): Gaussian elimination with full pivoting, counting pivots above
 * tolerance × the largest entry. Shows the semiseparable structure: below the diagonal, a block of
 * M⁽ⁿ⁾ has rank 1 and a block of M rank ≤ N.
 */
export function numericalRank(
  matrix: ArrayLike<number>,
  stride: number,
  block: { row0: number; rows: number; column0: number; columns: number },
  tolerance = 1e-9,
): number {
  const { row0, rows, column0, columns } = block;
  const work = Float64Array.from({ length: rows * columns }, (_, i) => matrix[(row0 + Math.floor(i / columns)) * stride + column0 + (i % columns)]);
  let largest = 0;
  for (const v of work) largest = Math.max(largest, Math.abs(v));
  if (largest === 0) return 0;
  const rowOrder = Array.from({ length: rows }, (_, i) => i);
  const columnOrder = Array.from({ length: columns }, (_, i) => i);
  let rank = 0;
  for (; rank < Math.min(rows, columns); rank++) {
    let pivot = 0;
    let pr = rank;
    let pc = rank;
    for (let i = rank; i < rows; i++) {
      for (let j = rank; j < columns; j++) {
        const v = Math.abs(work[rowOrder[i] * columns + columnOrder[j]]);
        if (v > pivot) [pivot, pr, pc] = [v, i, j];
      }
    }
    if (pivot <= tolerance * largest) break;
    [rowOrder[rank], rowOrder[pr]] = [rowOrder[pr], rowOrder[rank]];
    [columnOrder[rank], columnOrder[pc]] = [columnOrder[pc], columnOrder[rank]];
    const p = rowOrder[rank] * columns;
    const pivotValue = work[p + columnOrder[rank]];
    for (let i = rank + 1; i < rows; i++) {
      const r = rowOrder[i] * columns;
      const factor = work[r + columnOrder[rank]] / pivotValue;
      for (let j = rank; j < columns; j++) work[r + columnOrder[j]] -= factor * work[p + columnOrder[j]];
    }
  }
  return rank;
}

// ---------- Mamba-2: a scalar A, state space duality ----------

/**
 * The scalar-A variant of a channel (src/math.md#ssd): the same u, Δ, B, C, and every state's
 * A[n] replaced by their mean a = (1/N) Σ_n A[n], i.e. A = a·I as Mamba-2 restricts it. It is not
 * the trained model (its y differs from the channel's); it is the closest Mamba-2 form of it.
 */
export function scalarDecayVariant(channel: ChannelScan): { a: number; variant: ChannelScan } {
  checkChannel(channel);
  const a = channel.A.reduce((sum, v) => sum + v, 0) / channel.state;
  return { a, variant: { ...channel, A: new Float64Array(channel.state).fill(a) } };
}

/** A scan case with every channel's A[c, :] replaced by its mean, the scalar-A variant of every channel at once. */
export function scalarDecayScan(inputs: SelectiveScanInputs): SelectiveScanInputs {
  const { channels, state: N } = inputs;
  const A = new Float64Array(channels * N);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) sum += inputs.A[c * N + n];
    A.fill(sum / N, c * N, (c + 1) * N);
  }
  return { ...inputs, A };
}

/** The scalar a of a channel whose states all share one A; an EngineError otherwise. */
function scalarDecay(channel: ChannelScan): number {
  checkChannel(channel);
  const a = channel.A[0];
  check(channel.A.every((v) => v === a), "the state space dual form needs one scalar A for all states (A = a·I); use scalarDecayVariant first");
  return a;
}

/** The three matrices of M = L ∘ (C B̄ᵀ) for a scalar-A channel, each (L, L). */
export interface SsdFactors {
  a: number;
  /** L[t,s] = exp(a · Σ_{r=s+1..t} Δ_r) for t ≥ s, 0 above: 1-semiseparable, 1 on the diagonal */
  mask: Float64Array;
  /** (C B̄ᵀ)[t,s] = Σ_n C_t[n] B̄_s[n] with B̄_s = (B̄/B)(Δ_s, a) B_s, every (t, s), also above the diagonal */
  gram: Float64Array;
  /** M = L ∘ (C B̄ᵀ) */
  matrix: Float64Array;
}

/**
 * Mamba-2's masked linear attention (src/math.md#ssd): with A = a·I the decay leaves the sum over
 * states, M[t,s] = exp(a S[t,s]) · Σ_n C_t[n] B̄_s[n], so M = L ∘ (C B̄ᵀ). B̄ carries the Δ_s factor
 * of the discretisation (Δ_s for rule "mamba"); ssd_minimal multiplies it into x instead, the same y.
 */
export function ssdFactors(channel: ChannelScan): SsdFactors {
  const a = scalarDecay(channel);
  const { length: L, state: N, B, C, delta, rule } = channel;
  const sums = decaySums(delta);
  const mask = new Float64Array(L * L);
  const gram = new Float64Array(L * L);
  const matrix = new Float64Array(L * L);
  for (let s = 0; s < L; s++) {
    const scale = inputScale(rule, a, delta[s]);
    for (let t = 0; t < L; t++) {
      let product = 0;
      for (let n = 0; n < N; n++) product += C[t * N + n] * B[s * N + n];
      gram[t * L + s] = product * scale;
      if (t >= s) {
        mask[t * L + s] = Math.exp(a * sums[t * L + s]);
        matrix[t * L + s] = mask[t * L + s] * gram[t * L + s];
      }
    }
  }
  return { a, mask, gram, matrix };
}

/** One chunk of the chunked algorithm, tokens [start, end). */
export interface SsdChunk {
  start: number;
  end: number;
  /** (q, q), q = end − start: the diagonal block M[start..end, start..end], computed as masked attention */
  diagonalBlock: Float64Array;
  /** (q): y from the chunk's own tokens, diagonalBlock · u[start..end] */
  yWithin: Float64Array;
  /** (N): the state entering the chunk, h_{start−1} (zeros for the first) */
  stateIn: Float64Array;
  /** (q): y from everything before the chunk, C_t · exp(a Σ_{r=start..t} Δ_r) · stateIn */
  yFromState: Float64Array;
  /** (N): what the chunk's own tokens write into the state by its end, Σ_s exp(a Σ_{r=s+1..end−1} Δ_r) B̄_s u_s */
  chunkState: Float64Array;
  /** exp(a Σ_{r=start..end−1} Δ_r): how much of stateIn survives the chunk */
  decayAcross: number;
  /** (N): h_{end−1} = decayAcross · stateIn + chunkState, passed to the next chunk */
  stateOut: Float64Array;
}

export interface SsdChunked {
  chunkSize: number;
  chunks: SsdChunk[];
  /** (L): yWithin + yFromState, chunk after chunk; equals the scan's y */
  y: Float64Array;
}

/**
 * Mamba-2's chunked algorithm (src/math.md#chunked-ssd) for a scalar-A channel and chunk size Q (the
 * last chunk is shorter when Q does not divide L): (1) each diagonal block as masked attention
 * L ∘ (C B̄ᵀ) on the chunk's tokens; (2) each chunk's own contribution to the state at its end;
 * (3) a recurrence over chunks, h_end = decayAcross · h_in + chunkState, passing one N-vector from
 * chunk to chunk; (4) the entering state read out by C_t with the decay up to t. Work O(L·Q·N) plus
 * O((L/Q)·N) sequential steps instead of O(L²·N).
 */
export function ssdChunked(channel: ChannelScan, chunkSize: number): SsdChunked {
  const a = scalarDecay(channel);
  check(Number.isInteger(chunkSize) && chunkSize >= 1, `chunk size must be a positive integer, got ${chunkSize}`);
  const { length: L, state: N, u, B, C, delta, rule } = channel;
  const y = new Float64Array(L);
  const chunks: SsdChunk[] = [];
  let stateIn = new Float64Array(N);
  for (let start = 0; start < L; start += chunkSize) {
    const end = Math.min(start + chunkSize, L);
    const q = end - start;
    const piece: ChannelScan = {
      length: q,
      state: N,
      u: u.slice(start, end),
      delta: delta.slice(start, end),
      A: channel.A,
      B: B.slice(start * N, end * N),
      C: C.slice(start * N, end * N),
      rule,
    };
    const diagonalBlock = ssdFactors(piece).matrix;
    const yWithin = mixTokens(diagonalBlock, piece.u);
    // decayFromStart[i] = exp(a Σ_{r=start..start+i} Δ_r); decayToEnd[i] = exp(a Σ_{r=start+i+1..end−1} Δ_r), as running sums.
    const decayFromStart = new Float64Array(q);
    let sum = 0;
    for (let i = 0; i < q; i++) decayFromStart[i] = Math.exp(a * (sum += piece.delta[i]));
    const decayToEnd = new Float64Array(q);
    sum = 0;
    for (let i = q - 1; i >= 0; i--) {
      decayToEnd[i] = Math.exp(a * sum);
      sum += piece.delta[i];
    }
    const yFromState = new Float64Array(q);
    const chunkState = new Float64Array(N);
    for (let i = 0; i < q; i++) {
      let readout = 0;
      for (let n = 0; n < N; n++) readout += piece.C[i * N + n] * stateIn[n];
      yFromState[i] = decayFromStart[i] * readout;
      const written = decayToEnd[i] * inputScale(rule, a, piece.delta[i]) * piece.u[i];
      for (let n = 0; n < N; n++) chunkState[n] += written * piece.B[i * N + n];
    }
    const decayAcross = decayFromStart[q - 1];
    const stateOut = Float64Array.from(chunkState, (v, n) => decayAcross * stateIn[n] + v);
    for (let i = 0; i < q; i++) y[start + i] = yWithin[i] + yFromState[i];
    chunks.push({ start, end, diagonalBlock, yWithin, stateIn, yFromState, chunkState, decayAcross, stateOut });
    stateIn = stateOut;
  }
  return { chunkSize, chunks, y };
}
