/**
 * `npm run bench:char`: one forward of a character model over 256 characters — embedding, every layer, norm_f
 * and the head — on tfjs's CPU backend in Node (the GPU engine's runModel, src/engine/gpu/engine.ts, every tensor
 * read back: the path the pages take, in a worker, when they have neither WebGPU nor WebGL), next to the float64 reference (src/engine/model.ts lmForward) and the recurrent
 * step (lmStep, the path of `mamba eval --text` and `generate`) on the same ids.
 *
 *   npm run bench:char [-- --model data/models/char-selective] [--length 256] [--runs 7] [--write]
 *
 * Prints a table; --write also stores it as bench/results/char-model.json, which the model cards quote
 * (scripts/char-model-card.ts). The load average goes with the numbers: on a shared machine it explains them.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { contextIds } from "../src/engine/char-lm.ts";
import { createGpuEngine } from "../src/engine/gpu/engine.ts";
import { initialLmState, lmForward, lmStep } from "../src/engine/model.ts";
import { loadCharModelDirectory } from "../src/cli/char-commands.ts";
import { median } from "./shapes.ts";

const ROOT = resolve(import.meta.dirname, "..");
export const RESULTS = join(ROOT, "bench/results/char-model.json");

/** A fixed English text to read; the time of a forward does not depend on which characters it reads. */
const TEXT = "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. ";

export interface CharBenchRow {
  path: string;
  runs: number;
  medianMs: number;
  minMs: number;
  /** CPU time of this process per run (user + system), median: what a run costs when no other process competes. */
  medianCpuMs: number;
}

export interface CharBenchResult {
  model: string;
  length: number;
  device: string;
  node: string;
  tfjs: string;
  /** os.loadavg() before and after the runs. */
  loadAverage: { before: number[]; after: number[] };
  measuredAt: string;
  rows: CharBenchRow[];
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** Times `run` `runs` times after one untimed warm-up (tfjs builds its kernels on the first call). */
async function time(path: string, runs: number, run: () => unknown): Promise<CharBenchRow> {
  await run();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  return { path, runs, medianMs: median(times), minMs: Math.min(...times), medianCpuMs: median(cpuTimes) };
}

export async function benchCharModel(modelDir: string, length: number, runs: number): Promise<CharBenchResult> {
  const charModel = loadCharModelDirectory(modelDir);
  const ids = contextIds(charModel.tokenizer, TEXT.repeat(Math.ceil(length / TEXT.length))).ids.slice(0, length);
  const before = loadavg();
  const engine = await createGpuEngine("cpu");
  const rows = [
    await time("tfjs CPU backend: runModel (whole sequence, every tensor read back)", runs, () => engine.runModel(charModel.model, [ids])),
    await time("float64 reference: lmForward (whole sequence)", Math.min(runs, 3), () => lmForward(charModel.model, [ids])),
    await time("float64 reference: lmStep × length (recurrent)", Math.min(runs, 3), () => {
      let state = initialLmState(charModel.model);
      for (const id of ids) state = lmStep(charModel.model, state, id).state;
    }),
  ];
  engine.dispose();
  return {
    model: relative(ROOT, modelDir),
    length,
    device: `${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores`,
    node: process.version,
    tfjs: tf.version_core,
    loadAverage: { before, after: loadavg() },
    measuredAt: new Date().toISOString(),
    rows,
  };
}

export function formatCharBench(result: CharBenchResult): string {
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(" ");
  return [
    `One forward of ${result.model} over ${result.length} characters on ${result.device} (Node ${result.node}, tfjs ${result.tfjs}; load average ${load(result.loadAverage.before)} → ${load(result.loadAverage.after)}):`,
    "| path | runs | median ms | min ms | median CPU ms |",
    "|---|---:|---:|---:|---:|",
    ...result.rows.map((row) => `| ${row.path} | ${row.runs} | ${row.medianMs.toFixed(0)} | ${row.minMs.toFixed(0)} | ${row.medianCpuMs.toFixed(0)} |`),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchCharModel(resolve(option("model", join(ROOT, "data/models/char-selective"))), Number(option("length", "256")), Number(option("runs", "7")));
  console.log(formatCharBench(result));
  if (process.argv.includes("--write")) writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
}
