/**
 * Every kind of bad input named in the issue gives exit code 1 and one line naming the problem. Run
 * in-process through runCli (the same code the spawned CLI runs; engine-cli.test.ts spawns it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/run-cli.js";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { EngineError } from "../../src/engine/errors.js";
import { lmForward } from "../../src/engine/model.js";
import { GOLDEN, readGoldenJson, relativeError, rewriteSafetensorsHeader } from "./engine-helpers.js";

const tinyWeights = readFileSync(join(GOLDEN, "lm-tiny", "model.safetensors"));
const tinyConfig = readGoldenJson("lm-tiny", "config.json");

/** A copy of lm-tiny in a fresh directory with model.safetensors replaced by `weights` (and config.json by `config`). */
function modelDirectory(weights: Uint8Array, config: unknown = tinyConfig): string {
  const directory = mkdtempSync(join(tmpdir(), "mamba-bad-model-"));
  cpSync(join(GOLDEN, "lm-tiny"), directory, { recursive: true });
  writeFileSync(join(directory, "model.safetensors"), weights);
  writeFileSync(join(directory, "config.json"), JSON.stringify(config));
  return directory;
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Runs forward on `directory` and asserts a failure whose single stderr line matches `message`. */
async function assertForwardFails(directory: string, message: RegExp, ids = "1,2,3"): Promise<void> {
  const result = await cli("forward", "--model", directory, "--ids", ids);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.split("\n").length, 2, result.stderr);
  assert.match(result.stderr, /^mamba forward: /);
  assert.match(result.stderr, message);
}

const withHeader = (transform: (header: Record<string, any>) => Record<string, any>) => rewriteSafetensorsHeader(tinyWeights, transform);

test("missing model files", async () => {
  await assertForwardFails("/nonexistent/dir", /cannot read \/nonexistent\/dir\/config\.json: no such file/);
  const directory = modelDirectory(tinyWeights);
  writeFileSync(join(directory, "model.safetensors"), "");
  await assertForwardFails(directory, /model\.safetensors: file is 0 bytes, too short for the 8-byte header length/);
});

test("truncated safetensors: the data section ends before a tensor", async () => {
  await assertForwardFails(
    modelDirectory(tinyWeights.subarray(0, tinyWeights.length - 100)),
    /model\.safetensors: tensor [\w.]+ ends at byte \d+ but the data section has only \d+ bytes \(file truncated\?\)/,
  );
});

test("header length larger than the file, checked before reading the header", async () => {
  const huge = rewriteSafetensorsHeader(tinyWeights, (h) => h, () => 1n << 60n);
  await assertForwardFails(modelDirectory(huge), /header length 1152921504606846976 is larger than the \d+ bytes after the length field/);
  const cut = tinyWeights.subarray(0, 200);
  await assertForwardFails(modelDirectory(cut), /header length \d+ is larger than the 192 bytes after the length field/);
});

test("malformed safetensors header", async () => {
  const garbage = new Uint8Array(64);
  new DataView(garbage.buffer).setBigUint64(0, 16n, true);
  garbage.set(new TextEncoder().encode("{not json at all"), 8);
  await assertForwardFails(modelDirectory(garbage), /model\.safetensors: header is not valid JSON/);
  const badOffsets = withHeader((h) => ({ ...h, "backbone.norm_f.weight": { ...h["backbone.norm_f.weight"], data_offsets: [8, 4] } }));
  await assertForwardFails(modelDirectory(badOffsets), /tensor backbone\.norm_f\.weight has malformed data_offsets \[8,4\]/);
});

test("unknown dtype", async () => {
  const weights = withHeader((h) => ({ ...h, "backbone.layers.0.mixer.D": { ...h["backbone.layers.0.mixer.D"], dtype: "I8" } }));
  await assertForwardFails(modelDirectory(weights), /tensor backbone\.layers\.0\.mixer\.D has unknown dtype "I8" \(supported: F32, F16, BF16, F64\)/);
});

test("missing tensors", async () => {
  const without = (name: string) => withHeader((h) => Object.fromEntries(Object.entries(h).filter(([key]) => key !== name)));
  await assertForwardFails(modelDirectory(without("backbone.layers.1.mixer.A_log")), /missing tensor backbone\.layers\.1\.mixer\.A_log/);
  await assertForwardFails(modelDirectory(without("backbone.embeddings.weight")), /missing tensor backbone\.embeddings\.weight \(or backbone\.embedding\.weight\)/);
  await assertForwardFails(modelDirectory(without("backbone.layers.0.mixer.conv1d.bias")), /conv1d\.bias is missing but config\.json has use_conv_bias = true/);
});

test("mis-shaped tensors: shape disagrees with config.json", async () => {
  const weights = withHeader((h) => ({ ...h, "backbone.layers.0.mixer.x_proj.weight": { ...h["backbone.layers.0.mixer.x_proj.weight"], shape: [32, 9] } }));
  await assertForwardFails(modelDirectory(weights), /tensor backbone\.layers\.0\.mixer\.x_proj\.weight has shape \[32, 9\], expected \[9, 32\] from config\.json/);
  await assertForwardFails(
    modelDirectory(tinyWeights, { ...tinyConfig, state_size: 5 }),
    /tensor backbone\.layers\.0\.mixer\.x_proj\.weight has shape \[9, 32\], expected \[11, 32\] from config\.json/,
  );
  const wrongBytes = withHeader((h) => ({ ...h, "backbone.norm_f.weight": { ...h["backbone.norm_f.weight"], shape: [15] } }));
  await assertForwardFails(modelDirectory(wrongBytes), /tensor backbone\.norm_f\.weight has 64 bytes but shape \[15\] of F32 needs 60/);
});

test("bad config.json", async () => {
  await assertForwardFails(modelDirectory(tinyWeights, { ...tinyConfig, hidden_size: -3 }), /config\.json: "hidden_size" must be a positive integer, got -3/);
  const { vocab_size: _dropped, ...noVocab } = tinyConfig;
  await assertForwardFails(modelDirectory(tinyWeights, noVocab), /config\.json: missing "vocab_size"/);
  const directory = modelDirectory(tinyWeights);
  writeFileSync(join(directory, "config.json"), "{oops");
  await assertForwardFails(directory, /config\.json is not valid JSON/);
});

test("ids out of vocabulary, malformed ids, ragged batches", async () => {
  const directory = join(GOLDEN, "lm-tiny");
  await assertForwardFails(directory, /token id 32 \(row 0, position 3\) is outside the vocabulary 0\.\.31/, "0,1,2,32");
  await assertForwardFails(directory, /--ids "1,-2" is not a comma-separated list of non-negative integers/, "1,-2");
  const ragged = await cli("forward", "--model", directory, "--ids", "1,2,3", "--ids", "1,2");
  assert.equal(ragged.code, 1);
  assert.match(ragged.stderr, /token id row 1 has 2 ids but row 0 has 3; every row needs the same length/);
  const model = loadMambaCheckpoint(tinyConfig, tinyWeights);
  assert.throws(() => lmForward(model, [[1.5]]), (error: unknown) => error instanceof EngineError && /token id 1\.5/.test(error.message));
});

test("mismatched scan case shapes", async () => {
  const golden = readGoldenJson("scan", "scan-small-mamba.json");
  const write = (value: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), "mamba-bad-case-")), "case.json");
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const assertScanFails = async (value: unknown, message: RegExp) => {
    const result = await cli("scan", "--case", write(value));
    assert.equal(result.code, 1);
    assert.equal(result.stderr.split("\n").length, 2, result.stderr);
    assert.match(result.stderr, message);
  };
  await assertScanFails({ ...golden, B: { shape: [1, 3, 6], data: golden.B.data.slice(0, 18) } }, /scan case: "B" has shape \[1, 3, 6\], expected \[1, 3, 7\]/);
  await assertScanFails({ ...golden, D: { shape: [5], data: [1, 2, 3, 4, 5] } }, /scan case: "D" has shape \[5\], expected \[4\]/);
  await assertScanFails({ ...golden, delta: { shape: [1, 4, 7], data: [1, 2] } }, /scan case: "delta" has 2 values but shape \[1, 4, 7\] needs 28/);
  await assertScanFails({ ...golden, C: undefined }, /scan case: missing "C"/);
  await assertScanFails({ ...golden, rule: "euler" }, /scan case: "rule" must be "mamba" or "zoh", got "euler"/);
  await assertScanFails({ ...golden, A: { shape: [4, 3], data: [...golden.A.data.slice(1), "x"] } }, /"A\.data" must hold only finite numbers/);
});

test("usage errors: unknown command, unknown option, missing option", async () => {
  assert.equal((await cli("fly")).code, 2);
  const unknownOption = await cli("scan", "--file", "x.json");
  assert.equal(unknownOption.code, 1);
  assert.match(unknownOption.stderr, /unknown option --file \(expected --case\)/);
  assert.match((await cli("forward", "--ids", "1")).stderr, /missing option --model/);
  assert.match((await cli("forward", "--model", "x")).stderr, /missing option --ids/);
});

test("the official embedding name loads, and an untied head is used when config says so", () => {
  const golden = readGoldenJson("lm-tiny", "case.json");
  const renamed = withHeader((h) => {
    const { "backbone.embeddings.weight": embedding, ...rest } = h;
    return { ...rest, "backbone.embedding.weight": embedding };
  });
  const model = loadMambaCheckpoint(tinyConfig, renamed);
  assert.ok(relativeError(lmForward(model, golden.input_ids).logits, golden.logits.data) <= 1e-9);
  assert.throws(() => loadMambaCheckpoint({ ...tinyConfig, tie_word_embeddings: false }, tinyWeights), /missing tensor lm_head\.weight/);
});
