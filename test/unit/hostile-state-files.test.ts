/**
 * Hostile state files and lessons: truncated, bit-flipped, oversized and mis-typed inputs to the
 * state-file reader (src/engine/state-file.ts, docs/state-file.md) and to the lesson reader
 * (src/components/teaching/lesson-format.ts). A state file either loads a state that is all finite,
 * shaped for the model and with valid token ids, or is refused with a one-line EngineError; a lesson
 * either validates or comes back as `{ok: false, error}` with a one-line message; neither reader
 * throws anything else or allocates from a length it has not checked against the input's size.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeLesson, encodeLesson, parseLessonJson, type Lesson, type Validated } from "../../src/components/teaching/lesson-format.ts";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { initialLmState, lmStep } from "../../src/engine/model.ts";
import { createRandom } from "../../src/engine/random.ts";
import { MAX_STATE_FILE_BYTES, readStateFile, writeStateFile } from "../../src/engine/state-file.ts";
import { rewriteSafetensorsHeader } from "./engine-helpers.ts";

const folder = new URL("../fixtures/golden/lm-tiny/", import.meta.url);
const model = loadMambaCheckpoint(JSON.parse(readFileSync(new URL("config.json", folder), "utf8")), new Uint8Array(readFileSync(new URL("model.safetensors", folder))));
const tokens = [3, 1, 4, 1, 5];
const state = tokens.reduce((current, id) => lmStep(model, current, id).state, initialLmState(model));
const stateBytes = writeStateFile(model, { state, tokens });
const headerEnd = 8 + Number(new DataView(stateBytes.buffer, stateBytes.byteOffset).getBigUint64(0, true));

/** Reads a state file; "loaded" after checking what loaded, or the EngineError's message; fails on anything else. */
function stateOutcome(bytes: Uint8Array): string {
  try {
    const saved = readStateFile(model, bytes, "state.safetensors");
    const { dInner, dState, convWidth, vocabSize, numLayers } = model.config;
    assert.equal(saved.state.length, numLayers);
    for (const layer of saved.state) {
      assert.equal(layer.h.length, dInner * dState);
      assert.equal(layer.convWindow.length, (convWidth - 1) * dInner);
      assert.ok(layer.h.every(Number.isFinite) && layer.convWindow.every(Number.isFinite), "a loaded state value is not finite");
    }
    assert.ok(saved.tokens.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize));
    return "loaded";
  } catch (error) {
    assert.ok(error instanceof EngineError, `not an EngineError: ${(error as Error)?.stack ?? error}`);
    assertClear(error.message);
    assert.ok(error.message.startsWith("state.safetensors"), `the message does not name the file: ${error.message}`);
    return error.message;
  }
}

function assertClear(message: string): void {
  assert.ok(message.length > 10 && !message.includes("\n"), `unclear message: ${JSON.stringify(message)}`);
  assert.doesNotMatch(message, /undefined|\[object|at [\w.]+ \(/, `message leaks internals: ${message}`);
}

test("the untouched state file loads", () => {
  assert.equal(stateOutcome(stateBytes), "loaded");
});

test("every truncation of a state file is refused with a message", () => {
  const random = createRandom(21);
  const cuts = [0, 1, 7, 8, 9, headerEnd - 1, headerEnd, headerEnd + 1, stateBytes.length - 1];
  for (let i = 0; i < 150; i++) cuts.push(random.integer(stateBytes.length));
  for (const cut of cuts) assert.notEqual(stateOutcome(stateBytes.subarray(0, cut)), "loaded", `truncated at ${cut} bytes`);
});

test("bit flips anywhere in a state file load a valid state or are refused with a message", () => {
  const random = createRandom(22);
  let refused = 0;
  for (let i = 0; i < 500; i++) {
    const flipped = stateBytes.slice();
    const byte = i % 2 === 0 ? random.integer(headerEnd) : headerEnd + random.integer(stateBytes.length - headerEnd);
    flipped[byte] ^= 1 << random.integer(8);
    if (stateOutcome(flipped) !== "loaded") refused++;
  }
  assert.ok(refused > 150, `only ${refused} of 500 flipped state files were refused`);
});

test("an oversized state file is refused by its length before it is parsed", () => {
  const oversized = new Uint8Array(MAX_STATE_FILE_BYTES + 1);
  oversized.set(stateBytes);
  assert.match(stateOutcome(oversized), /is more than the \d+ a state file may have/);
});

test("a state file whose header length or tensor sizes promise more than it holds allocates nothing", () => {
  for (const declared of [2n ** 32n, 2n ** 50n, 2n ** 64n - 1n]) {
    const forged = stateBytes.slice();
    new DataView(forged.buffer).setBigUint64(0, declared, true);
    const before = process.memoryUsage().arrayBuffers;
    assert.match(stateOutcome(forged), /header length \d+ is larger than/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 2 ** 20, "memory grew while refusing a forged header length");
  }
  const name = "layers.0.ssm_state";
  for (const [field, value] of [
    ["shape", [2 ** 30, 2 ** 30]],
    ["shape", [2 ** 26, 16]],
    ["shape", [-1, 16]],
    ["shape", "8,16"],
    ["data_offsets", [0, 2 ** 52]],
    ["data_offsets", [64, 8]],
    ["dtype", "I64"],
    ["dtype", "F16"],
    ["dtype", 7],
  ] as const) {
    const before = process.memoryUsage().arrayBuffers;
    const forged = rewriteSafetensorsHeader(stateBytes, (header) => ({ ...header, [name]: { ...header[name], [field]: value } }));
    assert.notEqual(stateOutcome(forged), "loaded", `${field} = ${JSON.stringify(value)}`);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 2 ** 20, `memory grew while refusing ${field} = ${JSON.stringify(value)}`);
  }
});

test("mis-typed metadata and tensors in a state file are refused with the field's name", () => {
  const withMetadata = (changes: Record<string, unknown>) =>
    rewriteSafetensorsHeader(stateBytes, (header) => ({ ...header, __metadata__: { ...header.__metadata__, ...changes } }));
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ format: "mamba-checkpoint" }, /not a Mamba state file/],
    [{ format: undefined }, /not a Mamba state file/],
    [{ version: "2" }, /version "2" is not supported/],
    [{ version: 1 }, /not a well-formed|version|metadata/],
    [{ n_layer: "two" }, /n_layer = two/],
    [{ d_state: "1e9" }, /d_state = 1e9/],
    [{ model_fingerprint: "00000000" }, /different checkpoint/],
    [{ tokens: "not json" }, /"tokens" is not a JSON array/],
    [{ tokens: "{\"0\": 1}" }, /"tokens" must be a JSON array/],
    [{ tokens: "[-1]" }, /"tokens" must be a JSON array/],
    [{ tokens: "[1.5]" }, /"tokens" must be a JSON array/],
    [{ tokens: "[\"a\"]" }, /"tokens" must be a JSON array/],
    [{ tokens: `[${model.config.vocabSize}]` }, /"tokens" must be a JSON array/],
  ];
  for (const [changes, message] of cases) assert.match(stateOutcome(withMetadata(changes)), message, JSON.stringify(changes));
  const renamed = rewriteSafetensorsHeader(stateBytes, (header) => {
    const { ["layers.0.conv_window"]: window, ...rest } = header;
    return { ...rest, "layers.0.conv_windows": window };
  });
  assert.match(stateOutcome(renamed), /missing tensor layers\.0\.conv_window/);
  const transposed = rewriteSafetensorsHeader(stateBytes, (header) => ({ ...header, "layers.0.ssm_state": { ...header["layers.0.ssm_state"], shape: [...header["layers.0.ssm_state"].shape].reverse() } }));
  assert.match(stateOutcome(transposed), /has shape \[\d+, \d+\], expected/);
});

/** Reads a lesson; "ok" (after checking the limits held) or the error, which must be one clear line. */
function lessonOutcome(result: Validated<Lesson>): string {
  if (result.ok) {
    assert.ok(result.value.steps.length >= 1 && result.value.steps.length <= 100 && result.value.title.length <= 120);
    return "ok";
  }
  assertClear(result.error);
  return result.error;
}

const lesson: Lesson = {
  version: 1,
  title: "Euler against ZOH",
  steps: [
    { page: "/discretisation", state: "lambda=5&delta=0.5", figure: "discretisation-overlay", note: "Euler blows up here." },
    { page: "/kit", state: "block-dscale=3", note: "Δ × 3 on three tokens." },
    { page: "/", state: "" },
  ],
};
const lessonText = JSON.stringify(lesson, null, 2);
const lessonLink = encodeLesson(lesson);

test("the untouched lesson file and link read back", () => {
  assert.equal(lessonOutcome(parseLessonJson(lessonText)), "ok");
  assert.equal(lessonOutcome(decodeLesson(lessonLink)), "ok");
});

test("every truncation of a lesson file or link is refused with a message, never thrown", () => {
  for (let cut = 0; cut < lessonText.length; cut++) assert.notEqual(lessonOutcome(parseLessonJson(lessonText.slice(0, cut))), "ok", `file cut at ${cut}`);
  for (let cut = 0; cut < lessonLink.length - 3; cut++) assert.notEqual(lessonOutcome(decodeLesson(lessonLink.slice(0, cut))), "ok", `link cut at ${cut}`);
});

test("bit flips in a lesson file or link validate or are refused with a message", () => {
  const random = createRandom(23);
  const bytes = new TextEncoder().encode(lessonText);
  for (let i = 0; i < 400; i++) {
    const flipped = bytes.slice();
    flipped[random.integer(flipped.length)] ^= 1 << random.integer(8);
    lessonOutcome(parseLessonJson(new TextDecoder().decode(flipped)));
    const link = lessonLink.split("");
    link[random.integer(link.length)] = String.fromCharCode(32 + random.integer(95));
    lessonOutcome(decodeLesson(link.join("")));
  }
});

test("oversized and mis-typed lessons are refused naming what is wrong", () => {
  const step = lesson.steps[0];
  const cases: [unknown, RegExp][] = [
    [{ ...lesson, steps: Array.from({ length: 100_000 }, () => step) }, /at most 100 steps/],
    [{ ...lesson, title: "x".repeat(1_000_000) }, /title is longer than 120/],
    [{ ...lesson, steps: [{ ...step, state: "a=1&".repeat(100_000) }] }, /step 1: "state" is longer than 2000/],
    [{ ...lesson, steps: [{ ...step, note: "n".repeat(10_000) }] }, /step 1: "note" is longer than 500/],
    [{ ...lesson, version: 2 }, /Unsupported lesson version 2/],
    [{ ...lesson, title: 42 }, /needs a "title"/],
    [{ ...lesson, steps: "all of them" }, /needs "steps"/],
    [{ ...lesson, steps: [] }, /needs "steps"/],
    [{ ...lesson, steps: [null] }, /step 1: expected an object/],
    [{ ...lesson, steps: [step, { ...step, page: 7 }] }, /step 2: "page" must be a site path/],
    [{ ...lesson, steps: [{ ...step, page: "https://example.com/" }] }, /step 1: "page" must be a site path/],
    [{ ...lesson, steps: [{ ...step, figure: "<img src=x onerror=alert(1)>" }] }, /step 1: "figure" must be a figure id/],
    [{ ...lesson, steps: [{ ...step, note: { text: "hi" } }] }, /step 1: "note" must be text/],
    [[lesson], /A lesson is a JSON object/],
    ["lesson", /A lesson is a JSON object/],
    [null, /A lesson is a JSON object/],
  ];
  for (const [raw, message] of cases) {
    assert.match(lessonOutcome(parseLessonJson(JSON.stringify(raw))), message);
    assert.match(lessonOutcome(decodeLesson(Buffer.from(JSON.stringify(raw)).toString("base64url"))), message);
  }
  assert.match(lessonOutcome(decodeLesson("A".repeat(2_000_000))), /damaged/);
  assert.match(lessonOutcome(decodeLesson("<script>alert(1)</script>")), /damaged/);
});
