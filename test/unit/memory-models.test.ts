/**
 * Chapter 7's committed models (data/models/induction-*, mqar-mamba-n*): the float64 engines reproduce the logits
 * PyTorch computed on the GPU host (test/fixtures/memory-models, written by train/memory_tasks.py), the same
 * answers on the host's test sequences, and `mamba eval` prints what the host measured on the same seed.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { runCli } from "../../src/cli/run-cli.js";
import { loadPredictor } from "../../src/cli/memory-eval.js";
import { attentionLmForward, loadAttentionCheckpoint, parseAttentionConfig } from "../../src/engine/attention-model.js";
import { createGpuEngine } from "../../src/engine/gpu/engine.js";
import { disposeAttentionModel, gpuAttentionForward, uploadAttentionModel } from "../../src/engine/gpu/attention-lm.js";
import { lmForward } from "../../src/engine/model.js";
import { loadModelDirectory } from "../../src/cli/forward.js";
import { generateInductionHeads, DEFAULT_INDUCTION_HEADS } from "../../src/engine/tasks/induction-heads.js";
import { generateMqar, DEFAULT_MQAR } from "../../src/engine/tasks/mqar.js";
import { relativeError } from "./engine-helpers.js";

interface Fixture { ids: number[][]; logits: number[][][]; seed: number; predictions: Record<string, number[] | number[][]> }
const NAMES = readdirSync("test/fixtures/memory-models").map((f) => f.replace(/\.json$/, ""));
const fixture = (name: string): Fixture => JSON.parse(readFileSync(`test/fixtures/memory-models/${name}.json`, "utf8"));
const folder = (name: string) => `data/models/${name}`;
const attentionModel = () => loadAttentionCheckpoint(JSON.parse(readFileSync(`${folder("induction-attention")}/config.json`, "utf8")), readFileSync(`${folder("induction-attention")}/model.safetensors`));

async function mamba(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

test("the float64 engines reproduce PyTorch's logits for every committed chapter-7 model", () => {
  assert.ok(NAMES.length >= 8);
  for (const name of NAMES) {
    const { ids, logits } = fixture(name);
    const config = JSON.parse(readFileSync(`${folder(name)}/config.json`, "utf8"));
    const ours = config.model_type === "llama" ? attentionLmForward(attentionModel(), ids).logits : lmForward(loadModelDirectory(folder(name)), ids).logits;
    const error = relativeError(ours, logits.flat(2));
    assert.ok(error < 1e-4, `${name}: relative error ${error}`);
  }
});

test("the engines give the host's answers on the host's test sequences (same seed, same generator)", async () => {
  for (const name of ["induction-mamba", "induction-attention", "mqar-mamba-n4"]) {
    const { predictions, seed } = fixture(name);
    const { predict } = loadPredictor(folder(name));
    let compared = 0;
    let differing = 0;
    for (const [point, expected] of Object.entries(predictions)) {
      const n = Number(point);
      const rows = name.startsWith("mqar") ? generateMqar(DEFAULT_MQAR, n, 20, seed) : generateInductionHeads(DEFAULT_INDUCTION_HEADS, n, 30, seed);
      const length = rows.inputIds.length / rows.batch;
      const positions = name.startsWith("mqar") ? Array.from({ length: n }, (_, j) => 2 * n + j) : [length - 1];
      for (let r = 0; r < rows.batch; r++) {
        const ours = Array.from(await predict(rows.inputIds.subarray(r * length, (r + 1) * length), positions));
        const theirs = ([] as number[]).concat(expected[r] as number | number[]);
        ours.forEach((id, i) => (compared++, id !== theirs[i] && differing++));
      }
    }
    // float32 on the host against float64 here may flip an answer whose two best logits tie to 1e-6; allow one.
    assert.ok(compared >= 60 && differing <= 1, `${name}: ${differing} of ${compared} answers differ`);
  }
});

test("mamba eval prints the host's accuracy for the same sequences", async () => {
  const expected = fixture("induction-mamba").predictions["64"] as number[];
  const data = generateInductionHeads(DEFAULT_INDUCTION_HEADS, 64, 40, fixture("induction-mamba").seed);
  const hostAccuracy = expected.slice(0, 40).filter((id, r) => id === data.answers[r]).length / 40;
  const result = await mamba("eval", "--model", folder("induction-mamba"), "--task", "induction-heads", "--length", "64", "--n", "40");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { accuracy: hostAccuracy });
  const recall = await mamba("eval", "--model", folder("mqar-mamba-n4"), "--task", "mqar", "--pairs", "4", "--n", "20", "--seed", "3");
  assert.equal(recall.code, 0, recall.stderr);
  assert.ok(Object.keys(JSON.parse(recall.stdout)).join() === "accuracy");
});

test("mamba eval: one-line messages for a wrong task, a missing length, misplaced options", async () => {
  const cases: [string[], RegExp][] = [
    [["--task", "mqar", "--pairs", "4"], /describes a "induction-heads" model, not mqar/],
    [["--task", "induction-heads"], /missing option --length/],
    [["--task", "induction-heads", "--length", "3"], /--length must be an integer ≥ 4/],
    [["--task", "induction-heads", "--length", "64", "--pairs", "2"], /--pairs belongs to --task mqar/],
  ];
  for (const [args, message] of cases) {
    const result = await mamba("eval", "--model", folder("induction-mamba"), ...args);
    assert.equal(result.code, 1);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1);
  }
});

test("attention config.json: one-line messages for what the engine does not support", () => {
  const config = JSON.parse(readFileSync(`${folder("induction-attention")}/config.json`, "utf8"));
  assert.throws(() => parseAttentionConfig({ ...config, num_key_value_heads: 2 }), /grouped-query attention\) is not supported/);
  assert.throws(() => parseAttentionConfig({ ...config, head_dim: 15 }), /num_attention_heads × head_dim must equal hidden_size/);
  assert.throws(() => parseAttentionConfig({ ...config, rope_parameters: { rope_type: "yarn" } }), /only the default rotary embedding/);
  assert.throws(() => parseAttentionConfig({ ...config, hidden_act: "gelu" }), /"hidden_act" must be "silu"/);
  assert.throws(() => parseAttentionConfig({ ...config, model_type: "mamba" }), /"model_type" must be "llama"/);
  const weights = readFileSync(`${folder("induction-attention")}/model.safetensors`);
  assert.throws(() => loadAttentionCheckpoint({ ...config, intermediate_size: 64 }, weights), /mlp.gate_proj.weight has shape \[128, 64\], expected \[64, 64\]/);
});

test("the attention model on tfjs (CPU backend) agrees with the float64 reference", async () => {
  await createGpuEngine("cpu");
  const model = attentionModel();
  const ids = Array.from(generateInductionHeads(DEFAULT_INDUCTION_HEADS, 300, 1, 5).inputIds);
  const uploaded = uploadAttentionModel(model);
  const logits = await gpuAttentionForward(uploaded, ids);
  assert.ok(relativeError(logits, attentionLmForward(model, [ids]).logits) < 1e-4);
  disposeAttentionModel(uploaded);
});
