/**
 * The character-level models (data/models/char-*): tokenizer, logits against PyTorch, bits per character,
 * generation (determinism, step = forward), the CLI's eval and generate, bad input, the analyses behind the model
 * cards (character classes and Δ by class, the word share) and the cards themselves.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bitsPerCharacter, contextIds, generate, generateSteps, logSoftmax, samplingDistribution, sampleIndex, surprisalBits,
} from "../../src/engine/char-lm.js";
import { asciiVocabulary, charTokenizer, charTokenizerFile, describeUnknown, UNKNOWN_CHARACTER } from "../../src/engine/char-tokenizer.js";
import { characterClasses, columnMedians, deltaByClass } from "../../src/engine/char-classes.js";
import { EngineError } from "../../src/engine/errors.js";
import { initialLmState, lmForward, lmStep } from "../../src/engine/model.js";
import { loadCharModelDirectory } from "../../src/cli/char-commands.js";
import { REPO_ROOT, relativeError } from "./engine-helpers.js";
import { wordShare, wordsOf, type Sample } from "../../scripts/char-samples.js";
import { pieceStarts } from "../../scripts/char-delta.js";
import { cardFiles } from "../../scripts/char-model-card.js";

const MODELS = ["selective", "lti"] as const;
const modelDir = (variant: string) => join(REPO_ROOT, "data/models", `char-${variant}`);
const fixture = (variant: string) => JSON.parse(readFileSync(join(REPO_ROOT, "test/fixtures/char-lm", `${variant}.json`), "utf8"));

describe("character tokenizer", () => {
  const tokenizer = charTokenizer(charTokenizerFile());

  test("one id per character, the vocabulary's order, and decode inverts encode", () => {
    const { ids, unknown } = tokenizer.encode("Hi!\n");
    assert.deepEqual(ids, [asciiVocabulary().indexOf("H"), asciiVocabulary().indexOf("i"), asciiVocabulary().indexOf("!"), 1]);
    assert.equal(unknown.length, 0);
    assert.equal(tokenizer.decode(ids), "Hi!\n");
  });

  test("normalises NFC and typographic characters the way the corpus was written", () => {
    assert.deepEqual(tokenizer.encode("“Don’t” — ok…").characters.join(""), '"Don\'t" -- ok...');
    assert.equal(tokenizer.encode("e\u0301").characters.join(""), "\u00e9"); // NFC first: é is one character
    assert.equal(tokenizer.encode("a\r\nb").characters.join(""), "a\nb");
  });

  test("characters outside the vocabulary become the one unknown id, with their positions and a message", () => {
    const { ids, unknown } = tokenizer.encode("café 🙂 שלום\u0007");
    assert.equal(ids.filter((id) => id === tokenizer.unknownId).length, unknown.length);
    assert.deepEqual(unknown.map((entry) => entry.character), ["é", "🙂", "ש", "ל", "ו", "ם", "\u0007"]);
    assert.equal(unknown[1].index, 5); // the emoji is one character (code point), not two UTF-16 units
    assert.equal(tokenizer.token(tokenizer.unknownId), UNKNOWN_CHARACTER);
    assert.match(describeUnknown(unknown)!, /^7 characters outside the model's vocabulary.*"é" \(U\+00E9\).* and 2 more$/);
    assert.equal(describeUnknown([]), undefined);
  });

  const malformed: [string, unknown, RegExp][] = [
    ["not an object", [1, 2], /expected a JSON object/],
    ["another kind", { ...charTokenizerFile(), type: "BPE" }, /"type" must be "characters"/],
    ["a multi-character entry", { ...charTokenizerFile(), vocab: ["<unk>", "ab"] }, /vocab\[1\] "ab" is not one character/],
    ["a duplicate", { ...charTokenizerFile(), vocab: ["<unk>", "a", "a"] }, /vocab\[2\] "a" appears twice/],
    ["a missing unknown", { ...charTokenizerFile(), unknown: "<oov>" }, /the unknown symbol "<oov>" is not in "vocab"/],
    ["too many symbols", { ...charTokenizerFile(), vocab: ["<unk>", ...Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x100 + i))] }, /2 to 256 strings/],
    ["a bad replacement", { ...charTokenizerFile(), replacements: { ab: "x" } }, /replacement "ab" must map one character/],
  ];
  for (const [what, json, message] of malformed) {
    test(`a tokenizer file with ${what} is refused with a one-line message`, () => {
      assert.throws(() => charTokenizer(json), (error: unknown) => error instanceof EngineError && message.test(error.message) && !error.message.includes("\n"));
    });
  }
});

for (const variant of MODELS) {
  describe(`char-${variant}`, () => {
    const charModel = loadCharModelDirectory(modelDir(variant));
    const golden = fixture(variant);

    test("the checkpoint is the documented shape: 4 layers, d_model 256, d_state 16, F16 weights under 25 MB", () => {
      const { config } = charModel.model;
      assert.deepEqual([config.numLayers, config.dModel, config.dInner, config.dState, config.vocabSize], [4, 256, 512, 16, 97]);
      const weights = readFileSync(join(modelDir(variant), "model.safetensors"));
      const header = JSON.parse(weights.subarray(8, 8 + Number(weights.readBigUInt64LE(0))).toString("utf8"));
      const dtypes = new Set(Object.entries(header).filter(([key]) => key !== "__metadata__").map(([, entry]) => (entry as { dtype: string }).dtype));
      assert.deepEqual([...dtypes], ["F16"]);
      assert.ok(weights.length < 25e6);
    });

    test("the engine's logits equal PyTorch's (transformers MambaForCausalLM) for three prompts to 1e-4 relative", () => {
      for (const { prompt, ids, logits } of golden.prompts) {
        assert.deepEqual(charModel.tokenizer.encode(prompt).ids, ids);
        const ours = lmForward(charModel.model, [ids]).logits;
        assert.ok(relativeError(ours, logits.data) <= 1e-4, `${prompt}: ${relativeError(ours, logits.data)}`);
      }
    });

    test("step decoding equals the full forward, token by token", () => {
      const { ids } = contextIds(charModel.tokenizer, "The state is constant.");
      const full = lmForward(charModel.model, [ids]).logits;
      const stepwise: number[] = [];
      let state = initialLmState(charModel.model);
      for (const id of ids) {
        const step = lmStep(charModel.model, state, id);
        stepwise.push(...step.logits);
        state = step.state;
      }
      assert.ok(relativeError(stepwise, full) <= 1e-12);
      assert.equal(generateSteps(charModel, "", { tokens: 0, seed: 0 }).next().done, true);
    });

    test("bits per character (recurrent step) equal the mean surprise of the full forward", () => {
      const text = golden.prompts[1].prompt;
      const { ids } = contextIds(charModel.tokenizer, text);
      const surprise = surprisalBits(lmForward(charModel.model, [ids]).logits, charModel.model.config.vocabSize, ids.slice(1));
      const result = bitsPerCharacter(charModel, text);
      assert.deepEqual([result.chars, result.unknownChars], [text.length, 0]);
      assert.ok(Math.abs(result.bitsPerChar - surprise.reduce((a, b) => a + b, 0) / surprise.length) < 1e-12);
    });

    test("generation is deterministic for a seed, differs across seeds, and every character is in the vocabulary", () => {
      const options = { tokens: 40, temperature: 0.8, topK: 20, seed: 7 };
      const first = generate(charModel, "It was", options);
      assert.equal(generate(charModel, "It was", options), first);
      assert.notEqual(generate(charModel, "It was", { ...options, seed: 8 }), first);
      assert.equal(Array.from(first).length, 40);
      assert.ok(Array.from(first).every((character) => character !== UNKNOWN_CHARACTER));
    });
  });
}

describe("sampling", () => {
  test("temperature sharpens, top-k keeps exactly k tokens, and inverse-CDF sampling follows the distribution", () => {
    const logits = [1, 2, 3, 3];
    const p = samplingDistribution(logits);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(samplingDistribution(logits, { temperature: 0.1 })[2] > p[2]);
    const top2 = samplingDistribution(logits, { topK: 2 });
    assert.deepEqual([...top2].map((v) => v > 0), [false, false, true, true]);
    assert.deepEqual(Array.from(logSoftmax(logits), Math.exp).map((v) => +v.toFixed(12)), [...p].map((v) => +v.toFixed(12)));
    assert.equal(sampleIndex([0, 0.25, 0.75], 0.2), 1);
    assert.equal(sampleIndex([0, 0.25, 0.75], 0.3), 2);
    assert.throws(() => samplingDistribution(logits, { temperature: 0 }), /temperature must be a positive number/);
    assert.throws(() => samplingDistribution(logits, { topK: 0 }), /top-k must be a positive integer/);
  });
});

/** Spawns the CLI as documented. */
function runMamba(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npm", ["run", "--silent", "mamba", "--", ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, "") });
    });
  });
}

describe("character model CLI", { concurrency: 2 }, () => {
  const folder = mkdtempSync(join(tmpdir(), "char-cli-"));

  test("eval --text prints bits per character and counts unknown characters, naming them on stderr", async () => {
    const path = join(folder, "text.txt");
    writeFileSync(path, "Naïve readers type emoji 🙂 too.");
    const result = await runMamba("eval", "--model", modelDir("selective"), "--text", path);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout);
    assert.equal(printed.chars, Array.from("Naïve readers type emoji 🙂 too.").length);
    assert.equal(printed.unknownChars, 2);
    assert.ok(printed.bitsPerChar > 0 && printed.bitsPerChar < 10);
    assert.match(result.stderr, /2 characters outside the model's vocabulary, read as the unknown symbol: "ï" \(U\+00EF\), "🙂" \(U\+1F642\)/);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  });

  test("generate is deterministic for a seed", async () => {
    const args = ["generate", "--model", modelDir("selective"), "--prompt", "The president", "--tokens", "30", "--temperature", "0.8", "--top-k", "10", "--seed", "3"];
    const [a, b] = await Promise.all([runMamba(...args), runMamba(...args)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.equal(Array.from(JSON.parse(a.stdout).text).length, 30);
    assert.equal(a.stderr, "");
  });

  test("generate names a prompt's unknown characters on one line of stderr and still continues it", async () => {
    const result = await runMamba("generate", "--model", modelDir("selective"), "--prompt", "A snowman ☃ said", "--tokens", "5", "--seed", "1");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(Array.from(JSON.parse(result.stdout).text).length, 5);
    assert.match(result.stderr, /^mamba generate: the prompt has 1 character outside the model's vocabulary, read as the unknown symbol: "☃" \(U\+2603\)/);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  });

  const bad: [string, string[], RegExp][] = [
    ["a malformed tokenizer", ["eval", "--model", "MALFORMED", "--text", "TEXT"], /tokenizer\.json: "vocab"\[\d+\]|tokenizer\.json: vocab\[1\] "ab" is not one character/],
    ["a text that is not UTF-8", ["eval", "--model", modelDir("selective"), "--text", "LATIN1"], /is not UTF-8 text/],
    ["an empty text", ["eval", "--model", modelDir("selective"), "--text", "EMPTY"], /the text is empty/],
    ["a bad temperature", ["generate", "--model", modelDir("selective"), "--prompt", "a", "--tokens", "3", "--temperature", "-1"], /--temperature must be a positive number/],
    ["missing --tokens", ["generate", "--model", modelDir("selective"), "--prompt", "a"], /missing option --tokens/],
  ];
  for (const [what, args, message] of bad) {
    test(`${what} gets one line on stderr and a non-zero exit`, async () => {
      const malformed = join(folder, "malformed");
      await import("node:fs").then((fs) => {
        fs.mkdirSync(malformed, { recursive: true });
        for (const file of ["config.json", "model.safetensors"]) fs.copyFileSync(join(modelDir("selective"), file), join(malformed, file));
        fs.writeFileSync(join(malformed, "tokenizer.json"), JSON.stringify({ ...charTokenizerFile(), vocab: ["<unk>", "ab"] }));
        fs.writeFileSync(join(folder, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        fs.writeFileSync(join(folder, "empty.txt"), "");
        fs.writeFileSync(join(folder, "text.txt"), "Some text.");
      });
      const resolved = args.map((arg) => ({ MALFORMED: malformed, TEXT: join(folder, "text.txt"), LATIN1: join(folder, "latin1.txt"), EMPTY: join(folder, "empty.txt") })[arg] ?? arg);
      const result = await runMamba(...resolved);
      assert.notEqual(result.code, 0);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(result.stderr, message);
    });
  }
});

describe("character classes and Δ by class (scripts/char-delta.ts)", () => {
  test("every character gets its class: word starts after a non-letter, apostrophes inside words, digits, punctuation", () => {
    const text = "Don't stop, 42 'Tis\nx\u00e9";
    assert.deepEqual(characterClasses(Array.from(text)), [
      "word start", "word inside", "word inside", "punctuation", "word inside", "space", "word start", "word inside", "word inside", "word inside",
      "punctuation", "space", "digit", "digit", "space", "punctuation", "word start", "word inside", "word inside", "newline", "word start", undefined,
    ]);
  });

  test("mean Δ and the share of channels above their median, per class", () => {
    // 4 rows × 2 channels; medians: channel 0 → 2.5, channel 1 → 25.
    const delta = [1, 10, 2, 20, 3, 30, 4, 40];
    assert.deepEqual([...columnMedians(delta, 4, 2)], [2.5, 25]);
    const result = deltaByClass(delta, ["space", "space", "digit", undefined], 2);
    assert.deepEqual(result, [
      { class: "space", characters: 2, meanDelta: (5.5 + 11) / 2, shareAboveMedian: 0 },
      { class: "digit", characters: 1, meanDelta: 16.5, shareAboveMedian: 1 },
    ]);
    assert.throws(() => deltaByClass(delta, ["space"], 2), /Δ has 8 values, expected 1 rows × 2 channels/);
  });

  test("pieces are spread evenly and stay inside the text", () => {
    assert.deepEqual(pieceStarts(1000, 3, 100), [0, 450, 900]);
    assert.deepEqual(pieceStarts(1000, 1, 100), [0]);
  });

  for (const variant of MODELS) {
    test(`char-${variant}: the committed analysis covers at least 50,000 validation characters of every class`, () => {
      const file = JSON.parse(readFileSync(join(modelDir(variant), "delta-by-class.json"), "utf8"));
      assert.ok(file.characters >= 50_000);
      for (const layer of file.layers) assert.equal(layer.classes.length, 6);
      // The LTI twin's Δ is a constant of each channel; the selective model's varies.
      const spreads = file.layers.map((layer: { maxChannelSpread: number }) => layer.maxChannelSpread);
      assert.ok(variant === "lti" ? spreads.every((s: number) => s === 0) : spreads.every((s: number) => s > 0.01), `${spreads}`);
    });
  }
});

describe("word share of samples (scripts/char-samples.ts)", () => {
  test("words split at whitespace and dashes, punctuation stripped, lower-cased", () => {
    assert.deepEqual(wordsOf('"Hello, world--it\'s 1990\'s (end)." 42 -- ok!\nNew'), ["hello", "world", "it's", "1990's", "end", "ok", "new"]);
  });

  test("the share counts words found, drops each sample's unfinished last word, and lists the others", () => {
    const sample = (text: string, temperature: number): Sample => ({ prompt: "", temperature, seed: 1, tokens: text.length, command: "", text });
    const share = wordShare([sample(" the whale swam zorp blu", 0.8), sample(" of the", 0.8), sample(" qqq qq", 0.5)], new Set(["the", "whale", "swam", "of"]), 0.8);
    assert.deepEqual(share, { temperature: 0.8, words: 5, inTraining: 4, share: 0.8, notFound: ["zorp"] });
  });
});

describe("model cards (npm run data:char-card)", () => {
  for (const variant of MODELS) {
    test(`char-${variant}: model-card.json and model-card.md are what the committed results give`, () => {
      for (const [path, text] of Object.entries(cardFiles(variant))) assert.equal(readFileSync(join(REPO_ROOT, path), "utf8"), text, `${path}: run npm run data:char-card`);
    });
  }
});
