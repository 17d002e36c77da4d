/**
 * Recurrent decoding, the state file and state patching (src/engine/recurrent.ts, state-file.ts,
 * state-patching.ts) on the golden checkpoints: the step path equals the full forward and HF's
 * logits, a state survives a round trip through a file exactly, bad files get one-line messages.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { EngineError } from "../../src/engine/errors.js";
import { lmForward } from "../../src/engine/model.js";
import { decodeStepwise, kvCacheCrossover, kvCacheSize, recurrentMemory } from "../../src/engine/recurrent.js";
import { readStateFile, writeStateFile, modelFingerprint } from "../../src/engine/state-file.js";
import { patchingGrid } from "../../src/engine/state-patching.js";
import { createReferenceEngine } from "../../src/engine/reference-engine.js";
import { createGpuEngine } from "../../src/engine/gpu/engine.js";
import type { MambaModel } from "../../src/engine/types.js";
import { GOLDEN, maxAbsDifference, readGoldenJson, relativeError, rewriteSafetensorsHeader } from "./engine-helpers.js";

function golden(name: string): { model: MambaModel; ids: number[][]; logits: number[] } {
  const folder = join(GOLDEN, name);
  const model = loadMambaCheckpoint(JSON.parse(readFileSync(join(folder, "config.json"), "utf8")), readFileSync(join(folder, "model.safetensors")));
  const golden = readGoldenJson(name, "case.json");
  return { model, ids: golden.input_ids, logits: golden.logits.data };
}

const tiny = golden("lm-tiny");
const odd = golden("lm-odd-shapes");

test("decoding token by token gives the full forward's logits and HF's", () => {
  for (const { model, ids, logits } of [tiny, odd]) {
    const vocab = model.config.vocabSize;
    const row = ids[0];
    const stepwise = decodeStepwise(model, row);
    assert.ok(maxAbsDifference(stepwise.logits, lmForward(model, [row]).logits) < 1e-12);
    assert.ok(relativeError(stepwise.logits, logits.slice(0, row.length * vocab)) < 1e-9);
  }
});

test("decoding continues from a given state exactly as from the whole sequence", () => {
  const row = tiny.ids[0];
  const prefix = decodeStepwise(tiny.model, row.slice(0, 5));
  const rest = decodeStepwise(tiny.model, row.slice(5), { state: prefix.finalState });
  const whole = decodeStepwise(tiny.model, row);
  assert.deepEqual(Array.from(rest.logits), Array.from(whole.logits.subarray(5 * tiny.model.config.vocabSize)));
});

test("memory: the state is constant, the KV cache grows with the length", () => {
  const config = tiny.model.config; // 2 layers, dModel 16, dInner 32, dState 4, conv 4
  assert.deepEqual(recurrentMemory(config), { convWindow: 2 * 3 * 32, ssmState: 2 * 32 * 4, total: 448 });
  assert.equal(kvCacheSize(config, 10), 2 * 2 * 10 * 16);
  const crossover = kvCacheCrossover(config);
  assert.ok(kvCacheSize(config, crossover) > 448 && kvCacheSize(config, crossover - 1) <= 448);
  assert.throws(() => kvCacheSize(config, -1), EngineError);
});

test("a state round-trips through a file exactly and gives identical continuations", () => {
  const prefix = decodeStepwise(tiny.model, tiny.ids[0].slice(0, 7));
  const bytes = writeStateFile(tiny.model, { state: prefix.finalState, tokens: tiny.ids[0].slice(0, 7) });
  const loaded = readStateFile(tiny.model, bytes);
  assert.deepEqual(loaded.tokens, tiny.ids[0].slice(0, 7));
  const continuation = [4, 4, 9];
  const a = decodeStepwise(tiny.model, continuation, { state: prefix.finalState });
  const b = decodeStepwise(tiny.model, continuation, { state: loaded.state });
  assert.deepEqual(Array.from(b.logits), Array.from(a.logits));
});

test("bad state files get a one-line EngineError naming the problem", () => {
  const state = decodeStepwise(tiny.model, [1, 2, 3]).finalState;
  const bytes = writeStateFile(tiny.model, { state, tokens: [1, 2, 3] });
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([1, 2, 3]), /too short/],
    [bytes.subarray(0, bytes.length - 10), /truncated/],
    [rewriteSafetensorsHeader(bytes, (h) => ({ ...h, __metadata__: { ...h.__metadata__, format: "pt" } })), /not a Mamba state file/],
    [rewriteSafetensorsHeader(bytes, (h) => ({ ...h, __metadata__: { ...h.__metadata__, version: "9" } })), /version "9" is not supported/],
    [rewriteSafetensorsHeader(bytes, (h) => ({ ...h, __metadata__: { ...h.__metadata__, tokens: "[1, 99]" } })), /token ids below 32/],
    [writeStateFile(odd.model, { state: decodeStepwise(odd.model, [1]).finalState, tokens: [1] }), /n_layer = 3, but the loaded model has n_layer = 2/],
    [rewriteSafetensorsHeader(bytes, (h) => { const { ["layers.1.ssm_state"]: _, ...rest } = h; return rest; }), /missing tensor layers\.1\.ssm_state/],
  ];
  for (const [file, message] of cases) {
    assert.throws(() => readStateFile(tiny.model, file), (error: unknown) => error instanceof EngineError && message.test(error.message) && !error.message.includes("\n"));
  }
  const nan = writeStateFile(tiny.model, { state: [{ ...state[0], h: state[0].h.map((v, i) => (i === 3 ? NaN : v)) }, state[1]], tokens: [] });
  assert.throws(() => readStateFile(tiny.model, nan), /NaN or infinite/);
  const other: MambaModel = { ...tiny.model, normF: tiny.model.normF.map((v) => v + 1) };
  assert.notEqual(modelFingerprint(other), modelFingerprint(tiny.model));
  assert.throws(() => readStateFile(other, bytes), /different checkpoint/);
});

test("patching every layer makes later outputs the source's; patching before the difference changes nothing (reference and tfjs CPU engines)", async () => {
  const target = tiny.ids[0];
  const source = target.map((id, t) => (t === 4 ? (id + 5) % 32 : id));
  const sourceRun = decodeStepwise(tiny.model, source, { keepStates: true });
  const all = [0, 1];
  for (const [engine, tolerance] of [[createReferenceEngine(), 1e-9], [await createGpuEngine("cpu"), 1e-4]] as const) {
    const grid = await patchingGrid(engine, tiny.model, target, source, all);
    const at = (p: number, t: number) => grid.effect[p * grid.length + t];
    for (let p = 0; p < 4; p++) for (let t = 0; t < grid.length; t++) assert.ok(at(p, t) <= tolerance, `patch at ${p}, before the changed token: ${at(p, t)}`);
    // After the patch at 6 the target reads the same tokens as the source from the source's state: its outputs are the source's.
    for (let t = 7; t < grid.length; t++) assert.ok(Math.abs(at(6, t) - grid.sourceEffect[t]) <= 10 * tolerance, `${engine.backend}: position ${t}`);
    const oneLayer = await patchingGrid(engine, tiny.model, target, source, [1]);
    assert.ok(oneLayer.effect.some((v) => v > 1e-3) && oneLayer.effect.every(Number.isFinite));
    await assert.rejects(patchingGrid(engine, tiny.model, target, source.slice(1), all), /same length/);
  }
  assert.ok(sourceRun.length === source.length);
});
