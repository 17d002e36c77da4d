/**
 * The hidden-attention page's reading of texts (src/components/hidden-attention/page-model.ts) and its
 * exercise checks with their revealed answers, on the committed character model and the page's default text.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { contextIds, loadCharModel } from "../../src/engine/char-lm.js";
import { lmForward } from "../../src/engine/model.js";
import { createReferenceEngine } from "../../src/engine/reference-engine.js";
import { DEFAULTS, runText, textReader } from "../../src/components/hidden-attention/page-model.js";
import { distantShare, looksOnlyNearby, passesStates, readsFirstCharacter } from "../../src/components/teaching/exercises/checks.js";
import { REPO_ROOT } from "./engine-helpers.js";

const dir = join(REPO_ROOT, "data/models/char-selective");
const charModel = loadCharModel(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), readFileSync(join(dir, "model.safetensors")), JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")));
const engine = createReferenceEngine();
const run = await runText(engine, charModel, DEFAULTS.text);

test("the default text: 64 characters after the start symbol, labels as the axes show them, each layer's scan tensors as lmForward computes them", () => {
  assert.equal(run.labels.length, 65);
  assert.deepEqual(run.labels.slice(0, 6), ["⏎", "T", "h", "e", "␣", "c"]);
  assert.deepEqual(run.unknown, []);
  assert.equal(run.numLayers, 4);
  const { ids } = contextIds(charModel.tokenizer, DEFAULTS.text);
  const reference = lmForward(charModel.model, [ids]);
  for (const i of [3, 0, 1, 2]) {
    const layer = run.layer(i);
    assert.deepEqual([layer.length, layer.channels, layer.state], [65, 512, 16]);
    for (const [name, expected] of [["u", reference.layers[i].u], ["delta", reference.layers[i].delta], ["A", reference.layers[i].A], ["B", reference.layers[i].B], ["C", reference.layers[i].C]] as const) {
      assert.deepEqual(Array.from(layer[name]), Array.from(expected), `layer ${i} ${name}`);
    }
  }
  assert.throws(() => run.layer(4), /layer 4 is outside 0..3/);
});

test("a text reader flags characters outside the vocabulary and keeps the last good run after an empty text", async () => {
  const read = textReader(engine, charModel);
  await assert.rejects(read(""), /the text is empty/);
  const first = await read("cat ☃ hat");
  assert.equal(first.kind, "flagged");
  assert.match(first.message, /1 character outside the model's vocabulary.*"☃" \(U\+2603\)/);
  assert.equal(first.run.labels[5], "�");
  assert.deepEqual(first.run.unknown, [5]);
  const empty = await read("");
  assert.equal(empty.kind, "error");
  assert.equal(empty.message, "the text is empty: type a few characters");
  assert.equal(empty.run, first.run);
  await assert.rejects(runText(engine, charModel, "x".repeat(161)), /at most 160/);
});

test("exercise “reads the first character”: the revealed channel passes, the default one does not", () => {
  assert.equal(readsFirstCharacter(run.layer(0), 186, 0.2).ok, true);
  const open = readsFirstCharacter(run.layer(0), DEFAULTS.channel, 0.2);
  assert.equal(open.ok, false);
  assert.match(open.message!, /^\|M\[64, 1\]\| is [\d.]+ % of the last row's largest entry$/);
});

test("exercise “looks only nearby”: the revealed channel passes, the default one does not", () => {
  const revealed = looksOnlyNearby(run.layer(3), 11, 8, 0.01);
  assert.equal(revealed.ok, true, revealed.message ?? "");
  assert.ok(distantShare(run.layer(3), 11, 8) < 0.002);
  assert.equal(looksOnlyNearby(run.layer(0), DEFAULTS.channel, 8, 0.01).ok, false);
});

test("exercise “chunk states”: ⌈65/Q⌉ − 1 = 3 exactly for Q = 17..21", () => {
  const passing = Array.from({ length: 64 }, (_, i) => i + 1).filter((q) => passesStates(65, q, 3).ok);
  assert.deepEqual(passing, [17, 18, 19, 20, 21]);
  assert.equal(passesStates(65, DEFAULTS.chunk, 3).message, "Q = 16: 5 chunks of L = 65 tokens, 4 states passed");
});
