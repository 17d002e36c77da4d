/**
 * The character models' commands (docs/training.md):
 *   mamba eval --model DIR --text FILE          → {"bitsPerChar": …, "chars": …, "unknownChars": …}
 *   mamba generate --model DIR --prompt TEXT --tokens N [--temperature T] [--top-k K] [--seed S]  → {"text": …}
 *                                               (a prompt's unknown characters are named on stderr)
 * DIR holds config.json, model.safetensors and tokenizer.json. Both run the float64 reference one character at a
 * time through the recurrent step.
 */
import { join } from "node:path";
import { bitsPerCharacter, generate, loadCharModel, type CharModel } from "../engine/char-lm.js";
import { describeUnknown } from "../engine/char-tokenizer.js";
import { check } from "../engine/errors.js";
import { parseOptions, requiredOption } from "./args.js";
import type { CliOutput, Command } from "./command.js";
import { readBytes, readJson } from "./files.js";

/** Loads DIR/{config.json, model.safetensors, tokenizer.json}. */
export function loadCharModelDirectory(directory: string): CharModel {
  return loadCharModel(readJson(join(directory, "config.json")), readBytes(join(directory, "model.safetensors")), readJson(join(directory, "tokenizer.json")), directory);
}

/** Names `text`'s characters outside the model's vocabulary on one line of stderr, after `prefix`; silent when there are none. */
function noteUnknownCharacters(charModel: CharModel, text: string, prefix: string, output: CliOutput): void {
  const note = describeUnknown(charModel.tokenizer.encode(text).unknown);
  if (note) output.stderr?.(`${prefix}${note}\n`);
}

/** `eval --model DIR --text FILE`: bits per character of a UTF-8 text file; unknown characters are counted and named on stderr. */
export function evalText(options: Map<string, string[]>, output: CliOutput): void {
  const path = requiredOption(options, "text");
  const bytes = readBytes(path);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    check(false, `${path} is not UTF-8 text`);
  }
  const charModel = loadCharModelDirectory(requiredOption(options, "model"));
  noteUnknownCharacters(charModel, text!, `mamba eval: ${path}: `, output);
  output.stdout(`${JSON.stringify(bitsPerCharacter(charModel, text!))}\n`);
}

/** The value of `--name` as a number satisfying `valid`, or `fallback` when absent. */
function numberOption(options: Map<string, string[]>, name: string, valid: (value: number) => boolean, what: string, fallback?: number): number | undefined {
  if (!options.has(name)) return fallback;
  const text = requiredOption(options, name);
  const value = Number(text);
  check(text.trim() !== "" && valid(value), `--${name} must be ${what}, got ${JSON.stringify(text)}`);
  return value;
}

export const generateCommand: Command = {
  summary: "continue a prompt with a character model, one character at a time through the recurrent step",
  usage: "generate --model DIR --prompt TEXT --tokens N [--temperature 1] [--top-k K] [--seed 0]",
  run(argv, output) {
    const options = parseOptions(argv, ["model", "prompt", "tokens", "temperature", "top-k", "seed"]);
    check(options.has("tokens"), "missing option --tokens");
    const tokens = numberOption(options, "tokens", (v) => Number.isInteger(v) && v >= 0 && v <= 100_000, "an integer from 0 to 100000")!;
    const temperature = numberOption(options, "temperature", (v) => Number.isFinite(v) && v > 0, "a positive number", 1);
    const topK = numberOption(options, "top-k", (v) => Number.isInteger(v) && v >= 1, "a positive integer");
    const seed = numberOption(options, "seed", Number.isSafeInteger, "an integer", 0)!;
    const charModel = loadCharModelDirectory(requiredOption(options, "model"));
    const prompt = requiredOption(options, "prompt");
    noteUnknownCharacters(charModel, prompt, "mamba generate: the prompt has ", output);
    const text = generate(charModel, prompt, { tokens, temperature, topK, seed });
    output.stdout(`${JSON.stringify({ text })}\n`);
  },
};
