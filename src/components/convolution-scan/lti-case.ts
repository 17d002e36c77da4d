/**
 * The convolution-vs-scan chapter's data, from the trained character model reading the reader's text
 * (the page's run, char-model/model-panel.ts): one layer's scan inputs, one channel's scan either
 * selective (Δ, B, C change with every character, as the model computed them) or frozen — Δ, B and C
 * replaced by their averages over the text, the model's own A kept — which makes the scan
 * time-invariant (src/math.md#kernel), and the kernel K̄ of the frozen case. Also the frozen *model*:
 * every layer frozen the same way, to compare its bits per character with the selective model's.
 */
import type { LayerRun, ModelRun } from "../../engine/engine.js";
import { ltiKernel } from "../../engine/kernel.js";
import { check } from "../../engine/errors.js";
import type { ScanPairs } from "../../engine/scans.js";
import type { ScanOverrides, SelectiveScanInputs } from "../../engine/types.js";
import { layerSizes } from "../char-model/readout.js";

/** What one layer computed on the text, token-major as in engine.ts (position 0 is the start character). */
export interface LiveBlock {
  length: number;
  channels: number;
  state: number;
  /** (length, channels): the scan's input u = SiLU(conv(x)) */
  u: ArrayLike<number>;
  /** (length, channels) */
  delta: ArrayLike<number>;
  /** (channels, state) */
  A: ArrayLike<number>;
  /** (length, state) */
  B: ArrayLike<number>;
  /** (length, state) */
  C: ArrayLike<number>;
}

/** The layer's scan inputs as a LiveBlock. */
export function liveBlockOf(layer: LayerRun): LiveBlock {
  const { length, channels, state } = layerSizes(layer);
  return { length, channels, state, u: layer.u, delta: layer.delta, A: layer.A, B: layer.B, C: layer.C };
}

/** How the reader set up one channel: which channel, Δ scaled by `deltaScale`, frozen to its averages or selective. */
export interface ChannelChoice {
  channel: number;
  deltaScale: number;
  frozen: boolean;
}

/** Δ (one channel), B and C averaged over the tokens: the time-invariant SSM closest to what the channel did. */
export interface FrozenParameters {
  delta: number;
  /** (state) */
  B: Float64Array;
  C: Float64Array;
}

/** mean_t Δ_t[c], mean_t B_t and mean_t C_t over the block's tokens. */
export function frozenParameters(block: LiveBlock, channel: number): FrozenParameters {
  const { length, channels, state } = block;
  let delta = 0;
  const B = new Float64Array(state);
  const C = new Float64Array(state);
  for (let t = 0; t < length; t++) {
    delta += block.delta[t * channels + channel] / length;
    for (let n = 0; n < state; n++) {
      B[n] += block.B[t * state + n] / length;
      C[n] += block.C[t * state + n] / length;
    }
  }
  return { delta, B, C };
}

/** Δ, and the diagonal Ā = e^{ΔA}, B̄ = ΔB (Mamba's rule) and C of the frozen channel, each (state). */
export interface DiscreteParameters {
  delta: number;
  aBar: Float64Array;
  bBar: Float64Array;
  c: Float64Array;
}

export function frozenDiscrete(block: LiveBlock, channel: number, deltaScale: number): DiscreteParameters {
  const frozen = frozenParameters(block, channel);
  const delta = deltaScale * frozen.delta;
  const a = Array.from({ length: block.state }, (_, n) => block.A[channel * block.state + n]);
  return { delta, aBar: Float64Array.from(a, (value) => Math.exp(delta * value)), bBar: frozen.B.map((b) => delta * b), c: frozen.C };
}

/** K̄_ℓ = Σ_n C_n B̄_n Ā_n^ℓ for ℓ < length, from the frozen parameters. */
export function frozenKernel(block: LiveBlock, choice: ChannelChoice): Float64Array {
  const p = frozenDiscrete(block, choice.channel, choice.deltaScale);
  return ltiKernel(p.aBar, p.bBar, p.c, block.length);
}

/** The channel's input u_t (length). */
export function channelInput(block: LiveBlock, channel: number): Float64Array {
  return Float64Array.from({ length: block.length }, (_, t) => block.u[t * block.channels + channel]);
}

/** The channel's scan in the golden layout (batch 1, channels 1), no skip and no gate: its y is Σ_n C_t[n] h_t[n]. */
export function channelScanInputs(block: LiveBlock, choice: ChannelChoice): SelectiveScanInputs {
  const { length, state, channels } = block;
  const frozen = choice.frozen ? frozenParameters(block, choice.channel) : undefined;
  const perState = (values: ArrayLike<number>, average?: Float64Array) =>
    Float64Array.from({ length: state * length }, (_, i) => (average ? average[Math.floor(i / length)] : values[(i % length) * state + Math.floor(i / length)]));
  return {
    batch: 1,
    channels: 1,
    length,
    state,
    u: channelInput(block, choice.channel),
    delta: Float64Array.from({ length }, (_, t) => choice.deltaScale * (frozen ? frozen.delta : block.delta[t * channels + choice.channel])),
    A: Float64Array.from({ length: state }, (_, n) => block.A[choice.channel * state + n]),
    B: perState(block.B, frozen?.B),
    C: perState(block.C, frozen?.C),
    rule: "mamba",
  };
}

/**
 * The pairs (a_t, b_t) = (Ā_t[n], B̄_t[n] u_t) of one state n over the first `count` tokens: the
 * recurrence h_t = a_t h_{t−1} + b_t that the parallel scans compute.
 */
export function scanPairs(block: LiveBlock, choice: ChannelChoice, stateIndex: number, count: number): ScanPairs {
  const inputs = channelScanInputs(block, choice);
  const tokens = Math.min(count, block.length);
  const a = new Float64Array(tokens);
  const b = new Float64Array(tokens);
  for (let t = 0; t < tokens; t++) {
    const delta = inputs.delta[t];
    a[t] = Math.exp(delta * inputs.A[stateIndex]);
    b[t] = delta * inputs.B[stateIndex * block.length + t] * inputs.u[t];
  }
  return { a, b };
}

/**
 * The reader's own pairs (a, b) repeated in order over `count` positions, (p₁, p₂, p₃, p₁, …): the
 * same recurrence h_t = a_t h_{t−1} + b_t as the model's pairs, over as many positions.
 */
export function repeatedPairs(pairs: readonly (readonly [number, number])[], count: number): ScanPairs {
  check(pairs.length > 0, "repeatedPairs: give at least one pair (a, b)");
  return {
    a: Float64Array.from({ length: count }, (_, t) => pairs[t % pairs.length][0]),
    b: Float64Array.from({ length: count }, (_, t) => pairs[t % pairs.length][1]),
  };
}

/**
 * The overrides that freeze a whole model on a text: in every layer, Δ, B and C set at every token to
 * their averages over the text in that layer's own (unfrozen) run; A untouched. Shapes as in
 * engine/types.ts ScanOverrides.
 */
export function frozenModelOverrides(run: ModelRun): ScanOverrides[] {
  return run.layers.map((layer) => {
    const block = liveBlockOf(layer);
    const { length, channels, state } = block;
    const deltaMeans = Float64Array.from({ length: channels }, (_, c) => frozenParameters(block, c).delta);
    const { B, C } = frozenParameters(block, 0);
    return {
      delta: { set: Float64Array.from({ length: length * channels }, (_, i) => deltaMeans[i % channels]) },
      B: { set: Float64Array.from({ length: length * state }, (_, i) => B[i % state]) },
      C: { set: Float64Array.from({ length: length * state }, (_, i) => C[i % state]) },
    };
  });
}

/** The largest |a_i − b_i|. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
