/**
 * Hostile checkpoint files: truncated, bit-flipped, oversized and mis-typed inputs to the
 * safetensors and config readers. Each must end in an EngineError with a one-line message (or load
 * a model whose every weight is finite), and no reader may allocate from an untrusted length.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { createRandom } from "../../src/engine/random.ts";
import type { MambaModel } from "../../src/engine/types.ts";

const folder = new URL("../fixtures/golden/lm-tiny/", import.meta.url);
const config = JSON.parse(readFileSync(new URL("config.json", folder), "utf8")) as Record<string, unknown>;
const weights = new Uint8Array(readFileSync(new URL("model.safetensors", folder)));
const headerEnd = 8 + Number(new DataView(weights.buffer, weights.byteOffset).getBigUint64(0, true));

/** Runs the loader; returns "loaded" or the EngineError's message, and fails on anything else. */
function outcome(configJson: unknown, bytes: Uint8Array): string {
  try {
    const model = loadMambaCheckpoint(configJson, bytes);
    assertFinite(model);
    return "loaded";
  } catch (error) {
    assert.ok(error instanceof EngineError, `not an EngineError: ${(error as Error)?.stack ?? error}`);
    assert.ok(error.message.length > 10 && !error.message.includes("\n"), `unclear message: ${JSON.stringify(error.message)}`);
    assert.doesNotMatch(error.message, /undefined|\[object/, `message leaks internals: ${error.message}`);
    return error.message;
  }
}

function assertFinite(model: MambaModel): void {
  const arrays = [model.embedding, model.normF, ...model.layers.flatMap((layer) => [layer.norm, ...Object.values(layer.mixer).filter(ArrayBuffer.isView)])];
  for (const values of arrays as Float32Array[]) assert.ok(values.every(Number.isFinite), "a loaded weight is not finite");
}

test("the untouched checkpoint loads", () => {
  assert.equal(outcome(config, weights), "loaded");
});

test("every truncation is refused with a message", () => {
  const random = createRandom(11);
  const cuts = [0, 1, 7, 8, 9, headerEnd - 1, headerEnd, headerEnd + 1, weights.length - 1];
  for (let i = 0; i < 120; i++) cuts.push(random.integer(weights.length));
  for (const cut of cuts) assert.notEqual(outcome(config, weights.subarray(0, cut)), "loaded", `truncated at ${cut} bytes`);
});

test("bit flips anywhere either load finite weights or are refused with a message", () => {
  const random = createRandom(12);
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const flipped = weights.slice();
    // Half the flips land in the header, where they break JSON, names, dtypes, shapes and offsets.
    const byte = i % 2 === 0 ? random.integer(headerEnd) : headerEnd + random.integer(weights.length - headerEnd);
    flipped[byte] ^= 1 << random.integer(8);
    if (outcome(config, flipped) !== "loaded") refused++;
  }
  assert.ok(refused > 100, `only ${refused} of 400 flipped files were refused`);
});

test("an exponent-bit flip that makes a weight NaN or infinite is refused", () => {
  const flipped = weights.slice();
  // Little-endian float32: the high byte of the first weight is at headerEnd + 3; 0x7f·0x80 → exponent all ones.
  flipped[headerEnd + 3] = 0x7f;
  flipped[headerEnd + 2] |= 0x80;
  assert.match(outcome(config, flipped), /not finite|non-finite/);
});

test("a header length far beyond the file is refused before anything is allocated", () => {
  for (const declared of [2n ** 32n, 2n ** 50n, 2n ** 64n - 1n]) {
    const forged = weights.slice();
    new DataView(forged.buffer).setBigUint64(0, declared, true);
    const before = process.memoryUsage().arrayBuffers;
    assert.match(outcome(config, forged), /header length \d+ is larger than/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 2 ** 20, "memory grew while refusing a forged header");
  }
});

test("shapes and offsets that promise more data than the file holds are refused", () => {
  const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, headerEnd))) as Record<string, { shape: number[]; data_offsets: number[] }>;
  const name = Object.keys(header).find((key) => key !== "__metadata__")!;
  for (const [field, value] of [
    ["shape", [2 ** 30, 2 ** 30]],
    ["shape", [-1, 4]],
    ["shape", "16"],
    ["data_offsets", [0, 2 ** 52]],
    ["data_offsets", [10, 2]],
    ["dtype", "I64"],
  ] as const) {
    const forged = structuredClone(header) as Record<string, Record<string, unknown>>;
    forged[name][field] = value;
    const json = new TextEncoder().encode(JSON.stringify(forged));
    const bytes = new Uint8Array(8 + json.length + (weights.length - headerEnd));
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    bytes.set(weights.subarray(headerEnd), 8 + json.length);
    assert.notEqual(outcome(config, bytes), "loaded", `${field} = ${JSON.stringify(value)}`);
  }
});

test("mis-typed and out-of-range config fields are refused with the field's name", () => {
  const cases: [string, unknown][] = [
    ["hidden_size", "64"],
    ["hidden_size", -4],
    ["hidden_size", 1e12],
    ["num_hidden_layers", 1e12],
    ["num_hidden_layers", 2.5],
    ["state_size", null],
    ["vocab_size", Number.NaN],
    ["use_bias", "yes"],
    ["layer_norm_epsilon", -1],
    ["time_step_rank", "big"],
  ];
  for (const [field, value] of cases) {
    const message = outcome({ ...config, [field]: value }, weights);
    assert.notEqual(message, "loaded", `${field} = ${String(value)}`);
  }
  assert.match(outcome("not an object", weights), /expected a JSON object/);
  assert.match(outcome([1, 2], weights), /expected a JSON object/);
});
