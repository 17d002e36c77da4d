/**
 * The byte-level BPE tokenizer (src/engine/bpe-tokenizer.ts) on a small tokenizer.json written by
 * hand in HuggingFace's format: merges by rank, the leading-space symbol Ġ, bytes outside ASCII,
 * added tokens, and refusals with a message.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bpeTokenizer } from "../../src/engine/bpe-tokenizer.js";
import { EngineError } from "../../src/engine/errors.js";

// Single characters first (ids 0..), then merged pieces; "Ġ" is the byte-level space, "Ã" "©" the bytes of "é".
const vocab: Record<string, number> = { c: 0, a: 1, t: 2, "Ġ": 3, s: 4, "Ã": 5, "©": 6, at: 7, cat: 8, "Ġc": 9, "Ġcat": 10, "Ã©": 11 };
const tokenizerJson = {
  version: "1.0",
  added_tokens: [{ id: 12, content: "<|endoftext|>", special: true }],
  model: { type: "BPE", vocab, merges: ["Ġ c", "a t", "Ġc at", "c at", "Ã ©"] },
};

test("merges follow their ranks and spaces become Ġ", () => {
  const tokenizer = bpeTokenizer(tokenizerJson);
  assert.deepEqual(tokenizer.encode("cat"), [8]);
  assert.deepEqual(tokenizer.encode("cat cats"), [8, 10, 4]);
  assert.deepEqual(tokenizer.encode("ta"), [2, 1]);
  assert.deepEqual(tokenizer.encode("é"), [11]);
  assert.equal(tokenizer.decodeToken(10), " cat");
  assert.equal(tokenizer.decodeToken(11), "é");
  assert.equal(tokenizer.decodeToken(99), "?");
});

test("added tokens are matched verbatim", () => {
  const tokenizer = bpeTokenizer(tokenizerJson);
  assert.deepEqual(tokenizer.encode("cat<|endoftext|>cat"), [8, 12, 8]);
  assert.equal(tokenizer.decodeToken(12), "<|endoftext|>");
});

test("unknown pieces and other tokenizer kinds are refused with a message", () => {
  const tokenizer = bpeTokenizer(tokenizerJson);
  assert.throws(() => tokenizer.encode("dog"), (error: unknown) => error instanceof EngineError && /"d" is not in the vocabulary/.test(error.message));
  assert.throws(() => bpeTokenizer({ model: { type: "WordPiece", vocab: {} } }), /WordPiece.*not supported/);
  assert.throws(() => bpeTokenizer([]), /expected an object/);
});
