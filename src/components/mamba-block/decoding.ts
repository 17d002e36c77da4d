/** Data for the recurrent-decoding figures: memory against length, the state after t tokens, the step-vs-full check. */
import { lmForward } from "../../engine/model.js";
import { decodeStepwise, kvCacheCrossover, kvCacheSize, recurrentMemory, type StepwiseRun } from "../../engine/recurrent.js";
import type { MambaConfig, MambaModel } from "../../engine/types.js";
import type { Series } from "../charts/line-plot.js";

/** Values kept while decoding, for 0..maxLength tokens: the Mamba state (flat) and a same-size Transformer's KV cache (growing). */
export function memorySeries(config: MambaConfig, maxLength: number, at: number): Series[] {
  const lengths = Array.from({ length: maxLength + 1 }, (_, t) => t);
  const state = recurrentMemory(config).total;
  return [
    { name: "Mamba: conv window + h", x: lengths, y: lengths.map(() => state), color: "#59a14f" },
    { name: "Transformer: KV cache", x: lengths, y: lengths.map((t) => kvCacheSize(config, t)), color: "#e15759", dashed: true },
    { name: "now", x: [at, at], y: [state, kvCacheSize(config, at)], color: "#888", points: true },
  ];
}

/** A length that shows where the two lines cross and a bit beyond. */
export function memoryRange(config: MambaConfig, length: number): number {
  return Math.max(length, 2 * kvCacheCrossover(config));
}

export interface DecodingCheck {
  run: StepwiseRun;
  /** max |step logits − full-forward logits|, both float64 */
  stepVsFull: number;
}

/** Decodes `ids` token by token keeping every state, and compares with the full forward. */
export function decodeAndCheck(model: MambaModel, ids: readonly number[]): DecodingCheck {
  const run = decodeStepwise(model, ids, { keepStates: true });
  return { run, stepVsFull: maxAbs(run.logits, lmForward(model, [ids]).logits) };
}

/** max |a − b| / max(1, max |b|): the golden README's relative error, for float32 results against float64. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbs(a, b) / scale;
}

export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
