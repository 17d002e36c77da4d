/**
 * Operation and memory counts of one sequence layer as the sequence length L grows, for the three
 * ways of mixing tokens the convolution-vs-scan chapter compares. Counts are multiply-adds (or
 * numbers held), with the constant factors written out so the curves can be drawn, not just their O().
 *   channels = Di (the scan's and the convolution's width), state = N, width = d (attention's d_model).
 */
import { nextPowerOfTwo } from "./fft.js";

export interface LayerSizes {
  /** Di: channels of the SSM. */
  channels: number;
  /** N: state size per channel. */
  state: number;
  /** d: width of the attention layer. */
  width: number;
}

/** Recurrence: per token, channel and state h = Ā h + B̄ x and y += C h, 3 multiply-adds: 3·L·Di·N, O(L). */
export function scanOperations(length: number, sizes: LayerSizes): number {
  return 3 * length * sizes.channels * sizes.state;
}

/**
 * FFT convolution: per channel, K̄ (Di·N·L to build it), two forward and one inverse radix-2 FFT of
 * size n = 2^⌈log₂ 2L⌉, each (n/2)·log₂n butterflies, plus n products of spectra: O(L log L).
 */
export function fftConvolutionOperations(length: number, sizes: LayerSizes): number {
  const n = nextPowerOfTwo(2 * length);
  return sizes.channels * (sizes.state * length + 3 * (n / 2) * Math.log2(n) + n);
}

/** Attention: Q, K, V and output projections 4·L·d², scores Q Kᵀ and their use on V 2·L²·d: O(L²). */
export function attentionOperations(length: number, sizes: LayerSizes): number {
  return 4 * length * sizes.width * sizes.width + 2 * length * length * sizes.width;
}

/** Numbers kept while generating token L + 1: the recurrence keeps h only, Di·N, whatever L is. */
export function scanGenerationMemory(_length: number, sizes: LayerSizes): number {
  return sizes.channels * sizes.state;
}

/** The convolution view needs every past input of every channel to apply K̄: Di·L. */
export function convolutionGenerationMemory(length: number, sizes: LayerSizes): number {
  return sizes.channels * length;
}

/** Attention keeps a key and a value of width d for every past token, the KV cache: 2·L·d. */
export function attentionGenerationMemory(length: number, sizes: LayerSizes): number {
  return 2 * length * sizes.width;
}
