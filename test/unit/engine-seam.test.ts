/**
 * The seam between pages and engines (src/engine/engine.ts): the worker protocol (worker-engine.ts) against
 * the engine it hosts, the upload cache's eviction, the count of float64 forwards, and what the character
 * model's figures read off a run (char-model/readout.ts, reader-text.ts), all against the float64 reference.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { loadCharModelDirectory } from "../../src/cli/char-commands.js";
import { bitsPerCharacter, contextIds } from "../../src/engine/char-lm.js";
import { EngineError } from "../../src/engine/errors.js";
import { UploadCache } from "../../src/engine/gpu/upload-cache.js";
import { decodeStepwise } from "../../src/engine/recurrent.js";
import { referenceCalls } from "../../src/engine/reference-calls.js";
import { createReferenceEngine } from "../../src/engine/reference-engine.js";
import { modelRunDifferences, worstDifference } from "../../src/engine/run-difference.js";
import { serveEngine, transferables, workerEngine, type EngineReply, type EngineRequest, type EngineWorkerPort, type HostedEngine } from "../../src/engine/worker-engine.js";
import { characterSurprise, meanBits, stateAfterRun, topNext } from "../../src/components/char-model/readout.js";
import { MAX_CHARACTERS, readerText } from "../../src/components/char-model/reader-text.js";
import { REPO_ROOT, relativeError } from "./engine-helpers.js";

const charModel = loadCharModelDirectory(join(REPO_ROOT, "data/models/char-selective"));
const TEXT = "It was the best of times.";

/** A port that answers like engine-worker.ts, in this thread, structured-cloning every message as a worker would. */
function loopbackPort(hosted: HostedEngine): EngineWorkerPort {
  const listeners: ((event: MessageEvent<EngineReply>) => void)[] = [];
  let queue = Promise.resolve();
  return {
    postMessage(message: EngineRequest) {
      const request = structuredClone(message);
      queue = queue.then(async () => {
        let reply: EngineReply;
        try {
          const result = await serveEngine(hosted, request);
          transferables(result);
          reply = { id: request.id, result: structuredClone(result), referenceCalls: referenceCalls() };
        } catch (error) {
          reply = { id: request.id, error: (error as Error).message, badInput: error instanceof EngineError, referenceCalls: referenceCalls() };
        }
        listeners.forEach((listener) => listener({ data: reply } as MessageEvent<EngineReply>));
      });
    },
    addEventListener(type: string, listener: unknown) {
      if (type === "message") listeners.push(listener as (event: MessageEvent<EngineReply>) => void);
    },
    terminate() {},
  };
}

test("an engine behind the worker protocol gives the hosted engine's runs, decoding and errors", async () => {
  const hosted: HostedEngine = { engine: createReferenceEngine("float64 reference"), weights: new Map(), decoders: new Map() };
  const engine = await workerEngine(loopbackPort(hosted), ", in a worker");
  assert.equal(engine.backend, "reference");
  assert.equal(engine.reason, "float64 reference, in a worker");
  const { ids } = contextIds(charModel.tokenizer, TEXT);
  const before = referenceCalls();
  const run = await engine.runModel(charModel.model, [ids], { statesOf: [1] });
  assert.equal(referenceCalls() - before, charModel.model.config.numLayers, "one float64 block forward per layer, counted");
  assert.equal(engine.referenceCalls(), referenceCalls(), "the worker reports its count with every answer");
  const direct = await createReferenceEngine().runModel(charModel.model, [ids], { statesOf: [1] });
  assert.equal(worstDifference(modelRunDifferences(run, direct)).relative, 0);
  assert.equal(hosted.weights.size, 1, "the model was sent once");
  await engine.runModel(charModel.model, [ids]);
  assert.equal(hosted.weights.size, 1, "and not again");

  const decoder = engine.decoder(charModel.model);
  const stepwise = decodeStepwise(charModel.model, ids.slice(0, 3));
  for (const [t, id] of ids.slice(0, 3).entries()) assert.ok(relativeError(await decoder.step(id), stepwise.logits.subarray(t * 97, (t + 1) * 97)) === 0);
  assert.equal(decoder.position, 3);
  assert.throws(() => decoder.reset([]), /state has 0 layers/, "a state of the wrong shape is refused before it is sent");
  decoder.dispose();

  await assert.rejects(engine.runModel(charModel.model, [[1, 500]]), (error: unknown) => error instanceof EngineError && /outside the vocabulary/.test((error as Error).message));
  engine.release(charModel.model);
  await engine.runModel(charModel.model, [ids.slice(0, 2)]);
  assert.equal(hosted.weights.size, 1, "released, then sent again under a new key");
});

test("the upload cache frees the least recently used upload once it holds more than its capacity", () => {
  const freed: string[] = [];
  const cache = new UploadCache<{ name: string }, string>((key) => `upload of ${key.name}`, (upload) => freed.push(upload), 2);
  const [a, b, c] = [{ name: "a" }, { name: "b" }, { name: "c" }];
  cache.get(a);
  cache.get(b);
  cache.get(a);
  cache.get(c);
  assert.deepEqual(freed, ["upload of b"], "b was used least recently");
  assert.equal(cache.size, 2);
  cache.delete(a);
  cache.clear();
  assert.deepEqual(freed, ["upload of b", "upload of a", "upload of c"]);
});

test("surprise per character averages to the CLI's bits per character, and the next characters are the model's", async () => {
  const read = readerText(charModel, TEXT);
  assert.ok(!("empty" in read));
  const run = await createReferenceEngine().runModel(charModel.model, [read.ids]);
  const surprise = characterSurprise(run, read.ids);
  assert.equal(surprise.length, Array.from(TEXT).length);
  assert.ok(Math.abs(meanBits(surprise) - bitsPerCharacter(charModel, TEXT).bitsPerChar) < 1e-9);
  const next = topNext(run, charModel.tokenizer, 2, 97);
  assert.ok(Math.abs(next.reduce((sum, c) => sum + c.probability, 0) - 1) < 1e-9);
  assert.ok(next[0].probability >= next[1].probability);
  assert.equal(next[0].character, " ", "after “It” the model expects a space");
  const state = stateAfterRun(run);
  const stepwise = decodeStepwise(charModel.model, read.ids).finalState;
  state.forEach((layer, i) => {
    assert.ok(relativeError(layer.h, stepwise[i].h) < 1e-12);
    assert.ok(relativeError(layer.convWindow, stepwise[i].convWindow) < 1e-12);
  });
});

test("whatever a reader types, the text the model reads comes with one line about what it could not read", () => {
  const emoji = readerText(charModel, "hi 🙂 there");
  assert.ok(!("empty" in emoji));
  assert.deepEqual(emoji.unknown, [3]);
  assert.match(emoji.note!, /^1 character outside the model's vocabulary.*"🙂" \(U\+1F642\).*flagged/);
  const hebrew = readerText(charModel, "שלום world\u0007");
  assert.ok(!("empty" in hebrew) && hebrew.unknown.length === 5);
  const long = readerText(charModel, "a".repeat(1_000_000));
  assert.ok(!("empty" in long));
  assert.equal(long.ids.length, MAX_CHARACTERS + 1);
  assert.equal(long.cut, 1_000_000 - MAX_CHARACTERS);
  assert.match(long.note!, /Only the first 256 characters are read/);
  const empty = readerText(charModel, "");
  assert.ok("empty" in empty && /Type some text/.test(empty.note));
  assert.equal(readerText(charModel, "plain text").note, undefined);
});
