/** Data for the recurrent-decoding figures: memory against length, the time of each step, timed generation. */
import { sampleIndex, samplingDistribution, type CharModel } from "../../engine/char-lm.js";
import type { Engine } from "../../engine/engine.js";
import type { LmState } from "../../engine/model.js";
import { createRandom } from "../../engine/random.js";
import { kvCacheCrossover, kvCacheSize, recurrentMemory } from "../../engine/recurrent.js";
import type { MambaConfig } from "../../engine/types.js";
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

/** The time of every recurrent step against the position it read: the text, then the generated characters. */
export function stepTimeSeries(readMs: readonly number[], generatedMs: readonly number[]): Series[] {
  const all = [...readMs, ...generatedMs];
  return [
    { name: "reading your text", x: readMs.map((_ms, t) => t), y: readMs, color: "#4e79a7" },
    { name: "generating", x: generatedMs.map((_ms, t) => readMs.length + t), y: generatedMs, color: "#f28e2c" },
    { name: "", x: [0, Math.max(1, all.length - 1)], y: [0, 0], color: "transparent" },
  ];
}

export interface TimedGeneration {
  ids: number[];
  /** Milliseconds of each step (sampling, the step and its readback). */
  stepMs: number[];
}

/**
 * `count` characters generated from `state` (after `position` tokens, whose last logits are `logits`),
 * sampled at `temperature` with `seed` (engine/char-lm.ts sampling), each step on the engine's decoder and timed.
 */
export async function generateTimed(engine: Engine, { model }: CharModel, state: LmState, position: number, logits: ArrayLike<number>, count: number, temperature = 0.8, seed = 1): Promise<TimedGeneration> {
  const decoder = engine.decoder(model);
  const random = createRandom(seed);
  const ids: number[] = [];
  const stepMs: number[] = [];
  try {
    decoder.reset(state, position);
    let next: ArrayLike<number> = logits;
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const id = sampleIndex(samplingDistribution(next, { temperature }), random.uniform());
      next = await decoder.step(id);
      stepMs.push(performance.now() - started);
      ids.push(id);
    }
    return { ids, stepMs };
  } finally {
    decoder.dispose();
  }
}
