/**
 * Timings on the reader's own device, through the page's engine: a forward of the fused selective
 * scan and of a small causal attention layer at growing lengths, each the median of a few runs after
 * one warm-up (which also compiles the shaders), upload and read-back included.
 */
import * as tf from "@tensorflow/tfjs-core";
import { attentionForward, initAttention } from "../../engine/gpu/attention.js";
import type { Engine } from "../../engine/engine.js";
import { createRandom } from "../../engine/random.js";
import type { SelectiveScanInputs } from "../../engine/types.js";

/** Channels of the timed scan and width of the timed attention layer. */
export const TIMED_WIDTH = 32;
export const TIMED_STATE = 16;

/** The median wall time of `run` over `repeats` runs, after one untimed warm-up, in milliseconds. */
export async function medianMs(run: () => Promise<unknown>, repeats: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** A random scan case of (batch 1, channels TIMED_WIDTH, length, state TIMED_STATE), Δ in a realistic range. */
export function randomScanCase(length: number, seed = 5): SelectiveScanInputs {
  const random = createRandom(seed);
  const draw = (size: number, low: number, high: number) => random.fill(size, () => random.uniformIn(low, high));
  const [channels, state] = [TIMED_WIDTH, TIMED_STATE];
  return {
    batch: 1,
    channels,
    length,
    state,
    u: draw(channels * length, -1, 1),
    delta: draw(channels * length, 0.001, 0.1),
    A: Float64Array.from({ length: channels * state }, (_, i) => -((i % state) + 1)),
    B: draw(state * length, -1, 1),
    C: draw(state * length, -1, 1),
    rule: "mamba",
  };
}

export interface ScalingPoint {
  length: number;
  scanMs: number;
  attentionMs: number;
}

/** Times the scan and attention at each length in turn, reporting every point as soon as it is measured. */
export async function measureScaling(engine: Engine, lengths: readonly number[], repeats: number, onPoint: (point: ScalingPoint) => void): Promise<ScalingPoint[]> {
  const weights = initAttention(TIMED_WIDTH, createRandom(11));
  const points: ScalingPoint[] = [];
  for (const length of lengths) {
    const scanCase = randomScanCase(length);
    const input = Float32Array.from(scanCase.u);
    const scanMs = await medianMs(() => engine.scan(scanCase), repeats);
    const attentionMs = await medianMs(async () => {
      const y = tf.tidy(() => attentionForward(tf.tensor2d(input, [length, TIMED_WIDTH]), weights));
      await y.data();
      y.dispose();
    }, repeats);
    const point = { length, scanMs, attentionMs };
    points.push(point);
    onPoint(point);
  }
  return points;
}
