/**
 * Chapter 7's task generators: their structure, their seeding, and the same sequences as the Python copy
 * that scores the models on the GPU host (train/memory_sequences.py wrote the fixture).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DEFAULT_INDUCTION_HEADS as INDUCTION, generateInductionHeads, inductionSequence, inductionVocabSize } from "../../src/engine/tasks/induction-heads.js";
import { DEFAULT_MQAR as MQAR, generateMqar, mqarSequence, mqarVocabSize } from "../../src/engine/tasks/mqar.js";
import { sequenceSeeds } from "../../src/engine/tasks/sequence-seeds.js";

const fixture = JSON.parse(readFileSync("test/fixtures/memory-tasks/sequences.json", "utf8"));
const rows = (ids: Int32Array, width: number) => Array.from({ length: ids.length / width }, (_, r) => Array.from(ids.subarray(r * width, (r + 1) * width)));

test("the TypeScript generators draw the same sequences as train/memory_sequences.py", () => {
  assert.deepEqual(sequenceSeeds(fixture.sequenceSeeds.seed, 4), fixture.sequenceSeeds.seeds);
  const short = fixture.inductionHeads;
  const induction = generateInductionHeads(INDUCTION, short.length, short.count, short.seed);
  assert.deepEqual(rows(induction.inputIds, short.length), short.ids);
  assert.deepEqual(Array.from(induction.answers), short.answers);
  assert.deepEqual(Array.from(induction.triggerPositions), short.triggerPositions);
  const long = fixture.inductionHeadsLong;
  const longBatch = generateInductionHeads(INDUCTION, long.length, long.count, long.seed);
  const longRows = rows(longBatch.inputIds, long.length);
  assert.deepEqual(longRows.map((r) => r.reduce((a, b) => a + b, 0)), long.sums);
  assert.deepEqual(longRows.map((r) => r.slice(-16)), long.last16);
  assert.deepEqual(Array.from(longBatch.answers), long.answers);
  const m = fixture.mqar;
  const recall = generateMqar(MQAR, m.pairs, m.count, m.seed);
  assert.deepEqual(rows(recall.inputIds, 3 * m.pairs), m.ids);
  assert.deepEqual(rows(recall.answers, m.pairs), m.answers);
});

test("induction heads: one trigger inside, one at the end, the answer after the first", () => {
  assert.equal(inductionVocabSize(INDUCTION), 16);
  const data = generateInductionHeads(INDUCTION, 64, 200, 3);
  const positions = new Set<number>();
  for (let r = 0; r < data.batch; r++) {
    const ids = Array.from(data.inputIds.subarray(r * 64, (r + 1) * 64));
    const triggers = ids.flatMap((id, t) => (id === INDUCTION.triggerToken ? [t] : []));
    assert.deepEqual(triggers, [data.triggerPositions[r], 63]);
    assert.ok(triggers[0] <= 61);
    assert.equal(data.answers[r], ids[triggers[0] + 1]);
    assert.ok(ids.every((id, t) => t === triggers[0] || t === 63 || (id >= 0 && id < 15)));
    positions.add(triggers[0]);
  }
  assert.ok(positions.size > 40, "the first trigger must land at varying positions");
  const one = inductionSequence(INDUCTION, 64, 3, 17);
  assert.deepEqual(Array.from(one.ids), Array.from(data.inputIds.subarray(17 * 64, 18 * 64)));
  assert.equal(one.answer, data.answers[17]);
  assert.notDeepEqual(generateInductionHeads(INDUCTION, 64, 5, 4).inputIds, generateInductionHeads(INDUCTION, 64, 5, 3).inputIds);
});

test("mqar: P distinct keys with values, then every key once as a query", () => {
  assert.equal(mqarVocabSize(MQAR), 128);
  const data = generateMqar(MQAR, 8, 50, 9);
  assert.equal(data.length, 24);
  assert.deepEqual(data.answerPositions, [16, 17, 18, 19, 20, 21, 22, 23]);
  for (let r = 0; r < data.batch; r++) {
    const ids = Array.from(data.inputIds.subarray(r * 24, (r + 1) * 24));
    const table = new Map<number, number>();
    for (let j = 0; j < 8; j++) {
      assert.ok(ids[2 * j] < 64 && ids[2 * j + 1] >= 64 && ids[2 * j + 1] < 128);
      table.set(ids[2 * j], ids[2 * j + 1]);
    }
    assert.equal(table.size, 8, "keys are distinct");
    const queries = ids.slice(16);
    assert.deepEqual([...queries].sort((a, b) => a - b), [...table.keys()].sort((a, b) => a - b));
    queries.forEach((key, j) => assert.equal(data.answers[r * 8 + j], table.get(key)));
  }
  const one = mqarSequence(MQAR, 8, 9, 4);
  assert.deepEqual(Array.from(one.ids), Array.from(data.inputIds.subarray(4 * 24, 5 * 24)));
});

test("bad task settings and sizes get one-line messages", () => {
  assert.throws(() => generateInductionHeads(INDUCTION, 3, 1, 1), /length must be an integer from 4/);
  assert.throws(() => generateInductionHeads({ ...INDUCTION, triggerToken: 3 }, 64, 1, 1), /triggerToken must be an integer ≥ dataVocab/);
  assert.throws(() => generateInductionHeads(INDUCTION, 64, 0, 1), /positive integer/);
  assert.throws(() => generateMqar(MQAR, 65, 1, 1), /from 1 to 64/);
  assert.throws(() => generateMqar({ ...MQAR, firstValueToken: 10 }, 4, 1, 1), /must not overlap/);
  assert.throws(() => generateMqar(MQAR, 4, 1, 1.5), /seed must be an integer/);
});
