/**
 * Timing of the whole model on whatever WebGPU tfjs runs on (Node + Dawn: bench/lm-gpu.ts; a real
 * browser: bench/browser/): a forward of a sequence to its logits on the GPU, and recurrent decoding
 * with the GPU decode step (src/engine/gpu/decode-step.ts), greedy, logits read back every token.
 */
import * as tf from "@tensorflow/tfjs-core";
import { uploadDecoder } from "../src/engine/gpu/decode-step.js";
import { disposeModel, modelForwardTensors, uploadModel } from "../src/engine/gpu/lm-forward.js";
import { maxRelativeError } from "../src/engine/gpu/relative-error.js";
import type { MambaModel } from "../src/engine/types.js";
import { syncOn } from "./scan-timing.js";
import { median } from "./shapes.js";

export interface ForwardTiming {
  length: number;
  /** Wall time of one forward, ids uploaded to the logits on the GPU (a one-value readback ends it). */
  medianMs: number;
  allMs: number[];
  /** The first forward: pipeline compilation and weight uploads' first use. */
  firstMs: number;
  /** logits rows (vocab each) at `positions`, from the first forward */
  rows: Float32Array[];
}

/** Forwards `ids` (batch 1) `runs` times after one untimed forward; keeps the logits at `positions`. */
export async function timeForward(model: MambaModel, ids: number[], runs: number, positions: number[]): Promise<ForwardTiming> {
  const uploaded = uploadModel(model);
  const vocab = model.config.vocabSize;
  const once = async (keep: boolean) => {
    const start = performance.now();
    const result = modelForwardTensors(uploaded, [ids]);
    await syncOn(result.logits);
    const ms = performance.now() - start;
    const rows = keep
      ? await Promise.all(positions.map(async (p) => {
          const row = tf.slice(tf.reshape(result.logits, [-1]), [p * vocab], [vocab]);
          const values = (await row.data()) as Float32Array;
          row.dispose();
          return values;
        }))
      : [];
    tf.dispose(result as unknown as tf.TensorContainer); // every tensor in it, however nested
    return { ms, rows };
  };
  const first = await once(true);
  const allMs: number[] = [];
  for (let i = 0; i < runs; i++) allMs.push((await once(false)).ms);
  disposeModel(uploaded);
  return { length: ids.length, medianMs: median(allMs), allMs, firstMs: first.ms, rows: first.rows };
}

export interface DecodeTiming {
  promptLength: number;
  steps: number;
  /** Wall time of one step (token in, logits in host memory), median over the timed steps. */
  medianStepMs: number;
  /** Timed steps over their total wall time, the host's argmax included. */
  tokensPerSecond: number;
  /** Logits after every prompt token. */
  promptLogits: Float32Array[];
  generated: number[];
}

const argmax = (values: Float32Array) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);

/** Feeds `prompt` (untimed: compiles the pipelines), then times `steps` greedy steps. */
export async function timeDecode(model: MambaModel, prompt: number[], steps: number): Promise<DecodeTiming> {
  const decoder = uploadDecoder(model);
  const state = decoder.start();
  const promptLogits: Float32Array[] = [];
  for (const id of prompt) promptLogits.push(await state.step(id));
  const stepMs: number[] = [];
  const generated: number[] = [];
  let next = argmax(promptLogits[promptLogits.length - 1]);
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const logits = await state.step(next);
    stepMs.push(performance.now() - t0);
    generated.push(next);
    next = argmax(logits);
  }
  const totalMs = performance.now() - start;
  state.dispose();
  decoder.dispose();
  return { promptLength: prompt.length, steps, medianStepMs: median(stepMs), tokensPerSecond: steps / (totalMs / 1000), promptLogits, generated };
}

/** max relative error of each row against its reference row (the golden README's measure). */
export const rowErrors = (rows: Float32Array[], reference: ArrayLike<number>[]) => rows.map((row, i) => maxRelativeError(row, reference[i]));
