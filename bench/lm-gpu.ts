/**
 * The whole model on a real GPU through Node + Dawn (see dawn-globals.ts): the character model's GPU
 * decode step (time per character, logits against the float64 reference lmStep), and for a larger
 * checkpoint (mamba-130m-shaped, written by the GPU host's own script) the forward at L tokens and
 * greedy decoding in tokens per second, logits against a reference (HF's, from the same host).
 *   .gpubench/node .gpubench/lm.mjs --char=data/models/char-selective [--model=DIR --ids=FILE.json --reference=FILE.json]
 *     [--runs=3] [--prompt=16] [--decode=64] [--char-steps=200]
 * FILE.json: ids = a JSON array of token ids; reference = {"positions": [...], "logits": [[vocab], ...]}.
 * Writes $OUT/lm-bench.json when $OUT is set.
 */
import "./dawn-globals.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadMambaCheckpoint } from "../src/engine/checkpoint.js";
import { initialLmState, lmStep } from "../src/engine/model.js";
import { maxRelativeError } from "../src/engine/gpu/relative-error.js";
import { rowErrors, timeDecode, timeForward } from "./lm-timing.js";

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const loadDir = (dir: string) => loadMambaCheckpoint(readJson(join(dir, "config.json")), readFileSync(join(dir, "model.safetensors")), `${dir}/model.safetensors`);

async function main(): Promise<void> {
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs could not start its WebGPU backend on Dawn");
  await tf.ready();
  const info = ((tf.backend() as unknown as { adapterInfo?: Record<string, string> }).adapterInfo ?? {}) as Record<string, string>;
  const device = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ");
  const report: Record<string, unknown> = { device, backend: "webgpu (Node + Dawn)" };
  console.log(`device: ${device}`);

  const charDir = option("char");
  if (charDir) {
    const model = loadDir(charDir);
    const prompt = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % model.config.vocabSize);
    const decode = await timeDecode(model, prompt, Number(option("char-steps") ?? 200));
    let state = initialLmState(model);
    const reference = prompt.map((id) => {
      const step = lmStep(model, state, id);
      state = step.state;
      return step.logits;
    });
    const worst = Math.max(...rowErrors(decode.promptLogits, reference));
    report.char = { model: charDir, layers: model.config.numLayers, dModel: model.config.dModel, medianStepMs: decode.medianStepMs, tokensPerSecond: decode.tokensPerSecond, maxRelErrVsFloat64: worst };
    save(report);
    console.log(`char model ${charDir}: ${decode.medianStepMs.toFixed(3)} ms per character (median), ${decode.tokensPerSecond.toFixed(0)} characters/s; max rel. error vs float64 lmStep ${worst.toExponential(2)}`);
  }

  const modelDir = option("model");
  if (modelDir) {
    const model = loadDir(modelDir);
    const ids: number[] = readJson(option("ids")!);
    const reference: { positions: number[]; logits: number[][] } = readJson(option("reference")!);
    const promptLength = Number(option("prompt") ?? 16);
    const forward = await timeForward(model, ids, Number(option("runs") ?? 3), reference.positions);
    const forwardErrors = rowErrors(forward.rows, reference.logits);
    console.log(`model ${modelDir}: forward at L = ${ids.length}: ${forward.medianMs.toFixed(1)} ms (median of ${forward.allMs.length}; first ${forward.firstMs.toFixed(0)} ms); max rel. error vs reference at positions ${reference.positions.join(", ")}: ${forwardErrors.map((e) => e.toExponential(2)).join(", ")}`);
    const decode = await timeDecode(model, ids.slice(0, promptLength), Number(option("decode") ?? 64));
    // The decode step after the prompt against the forward's row at the same position, when the reference has it.
    const at = reference.positions.indexOf(promptLength - 1);
    const decodeError = at >= 0 ? maxRelativeError(decode.promptLogits[promptLength - 1], reference.logits[at]) : null;
    console.log(`model ${modelDir}: decoding ${decode.tokensPerSecond.toFixed(1)} tokens/s (${decode.medianStepMs.toFixed(3)} ms per token, median of ${decode.steps}); decode logits at position ${promptLength - 1} vs reference: ${decodeError?.toExponential(2)}`);
    report.model = {
      dir: modelDir,
      config: model.config,
      forward: { length: ids.length, medianMs: forward.medianMs, allMs: forward.allMs, firstMs: forward.firstMs, positions: reference.positions, maxRelErr: forwardErrors },
      decode: { promptLength, steps: decode.steps, tokensPerSecond: decode.tokensPerSecond, medianStepMs: decode.medianStepMs, maxRelErrAtPromptEnd: decodeError, generated: decode.generated },
    };
  }
  save(report);
}

/** Written after each part, so a run stopped by a time limit keeps what it measured. */
function save(report: Record<string, unknown>): void {
  if (process.env.OUT) writeFileSync(join(process.env.OUT, "lm-bench.json"), JSON.stringify(report, null, 2));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
