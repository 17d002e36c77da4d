/**
 * The LTI (S4D-style) variant as an ordinary HF Mamba checkpoint, so every engine runs it unchanged.
 *
 * In every layer, channel 0 is made a constant: its in_proj row and conv weights are 0 and its conv
 * bias is 1, so x_t[0] = SiLU(1) for every token. x_proj reads only that channel, hence
 *   [δ | B | C]_t = x_proj.weight[:, 0] · SiLU(1)   — learned constants, the same for every token,
 * and Δ = softplus(dt_proj(δ) + bias) is a learned constant per channel: the scan is time-invariant.
 * out_proj ignores channel 0 (column 0 = 0), so the constant channel adds nothing to the output.
 * These weights are frozen during training; everything else trains as in the selective model.
 */
import type { MambaConfig } from "../../engine/types.js";
import { mixerKey, type Params } from "./mamba-lm.js";

/** The channel of every layer that carries the constant. */
export const CONSTANT_CHANNEL = 0;
/** conv1d.bias of the constant channel; the constant is SiLU(1) ≈ 0.731. */
export const CONSTANT_CHANNEL_BIAS = 1;

/**
 * Puts `params` (freshly initialised) in LTI form, in place, and returns the trainable masks
 * (1 = trainable, 0 = frozen). x_proj's column 0 is redrawn ×√Di so the constants start at the scale
 * the selective model's B and C have.
 */
export function makeLti(config: MambaConfig, params: Params): Params {
  const { dModel: D, dInner: E, dState: N, dtRank: R, convWidth: K } = config;
  const c = CONSTANT_CHANNEL;
  const masks: Params = {};
  const freeze = (key: string, element: number, value: number) => {
    masks[key] ??= new Float32Array(params[key].length).fill(1);
    masks[key][element] = 0;
    params[key][element] = value;
  };
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (let i = 0; i < D; i++) freeze(mixerKey(layer, "in_proj.weight"), c * D + i, 0);
    for (let j = 0; j < K; j++) freeze(mixerKey(layer, "conv1d.weight"), c * K + j, 0);
    freeze(mixerKey(layer, "conv1d.bias"), c, CONSTANT_CHANNEL_BIAS);
    for (let o = 0; o < D; o++) freeze(mixerKey(layer, "out_proj.weight"), o * E + c, 0);
    const xProj = mixerKey(layer, "x_proj.weight");
    for (let o = 0; o < R + 2 * N; o++) {
      for (let i = 0; i < E; i++) {
        if (i === c) params[xProj][o * E + i] *= Math.sqrt(E);
        else freeze(xProj, o * E + i, 0);
      }
    }
  }
  return masks;
}
