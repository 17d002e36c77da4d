/**
 * The CLI, spawned as documented (`npm run --silent mamba -- ...`): golden cases through stdout, and
 * bad input as one line on stderr with a non-zero exit code.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FLOAT64_TOLERANCE, GOLDEN, LM_CASES, REPO_ROOT, SCAN_CASES, readGoldenJson, relativeError } from "./engine-helpers.js";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI; through `npm run --silent mamba --` as documented, or straight through node + tsx (faster). */
function spawnCli(viaNpm: boolean, args: string[]): Promise<CliResult> {
  const [command, prefix] = viaNpm ? ["npm", ["run", "--silent", "mamba", "--"]] : [process.execPath, ["--import", "tsx", "src/cli/mamba.ts"]];
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, "") });
    });
  });
}

const runMamba = (...args: string[]) => spawnCli(false, args);
const runMambaViaNpm = (...args: string[]) => spawnCli(true, args);

describe("mamba CLI", { concurrency: 2 }, () => {

for (const name of LM_CASES) {
  test(`CLI forward on ${name} (one --ids per batch row) prints the golden logits`, async () => {
    const golden = readGoldenJson(name, "case.json");
    const ids = golden.input_ids.flatMap((row: number[]) => ["--ids", row.join(",")]);
    const result = await runMamba("forward", "--model", join(GOLDEN, name), ...ids);
    assert.equal(result.code, 0, result.stderr);
    const { logits } = JSON.parse(result.stdout);
    // One row prints length × vocab; several print batch × length × vocab.
    const batched = golden.input_ids.length === 1 ? [logits] : logits;
    assert.deepEqual([batched.length, batched[0].length, batched[0][0].length], golden.logits.shape);
    assert.ok(relativeError(batched.flat(2), golden.logits.data) <= FLOAT64_TOLERANCE);
  });
}

test("CLI forward with a single --ids prints length × vocab logits (no batch axis)", async () => {
  const golden = readGoldenJson("lm-tiny", "case.json");
  const result = await runMambaViaNpm("forward", "--model", join(GOLDEN, "lm-tiny"), "--ids", golden.input_ids[1].join(","));
  assert.equal(result.code, 0, result.stderr);
  const { logits } = JSON.parse(result.stdout);
  const [, length, vocab] = golden.logits.shape;
  assert.equal(logits.length, length);
  assert.equal(logits[0].length, vocab);
  assert.ok(relativeError(logits.flat(), golden.logits.data.slice(length * vocab)) <= FLOAT64_TOLERANCE);
});

for (const name of SCAN_CASES) {
  test(`CLI scan on ${name} prints the golden outputs`, async () => {
    const golden = readGoldenJson("scan", `${name}.json`);
    const result = await runMamba("scan", "--case", join(GOLDEN, "scan", `${name}.json`));
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout);
    for (const key of ["out", "y_no_skip_no_gate", "final_state"]) {
      assert.deepEqual(printed[key].shape, golden[key].shape);
      assert.ok(relativeError(printed[key].data, golden[key].data) <= FLOAT64_TOLERANCE, key);
    }
  });
}

test("CLI scan: inputs only, rule defaulting to mamba", async () => {
  const golden = readGoldenJson("scan", "scan-small-mamba.json");
  const inputsOnly = Object.fromEntries(["u", "delta", "A", "B", "C", "D", "z"].map((key) => [key, golden[key]]));
  const file = join(mkdtempSync(join(tmpdir(), "mamba-cli-")), "inputs.json");
  writeFileSync(file, JSON.stringify(inputsOnly));
  const result = await runMamba("scan", "--case", file);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(relativeError(JSON.parse(result.stdout).out.data, golden.out.data) <= FLOAT64_TOLERANCE);
});

for (const [label, args, expected] of [
  ["missing model directory", ["forward", "--model", "/nonexistent/model", "--ids", "1,2"], /^mamba forward: cannot read \/nonexistent\/model\/config\.json: no such file$/],
  ["id outside the vocabulary", ["forward", "--model", join(GOLDEN, "lm-tiny"), "--ids", "1,32"], /token id 32 \(row 0, position 1\) is outside the vocabulary 0\.\.31/],
  ["missing case file", ["scan", "--case", "/nonexistent/case.json"], /cannot read \/nonexistent\/case\.json: no such file/],
] as const) {
  test(`CLI, ${label}: exit code 1 and one line on stderr, no stack trace`, async () => {
    const result = await runMambaViaNpm(...args);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr.trim(), expected);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
}
});
