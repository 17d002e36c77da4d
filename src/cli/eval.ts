/**
 * `mamba eval --model DIR --task selective-copying [--n 1000] [--seed S]`: token accuracy of a trained
 * checkpoint on `n` freshly generated sequences, with the float64 reference forward. The task settings
 * come from DIR/model-card.json, so the sequences are those the model was trained on.
 * `mamba eval --model DIR --text FILE`: bits per character of a character model on a text (char-commands.ts).
 */
import { join } from "node:path";
import { check } from "../engine/errors.js";
import { evaluateSelectiveCopying } from "../engine/tasks/evaluate.js";
import { parseOptions, requiredOption } from "./args.js";
import type { Command } from "./command.js";
import { loadModelDirectory } from "./forward.js";
import { evalText } from "./char-commands.js";
import { CARD_JSON, readModelCard } from "./training/model-card.js";

/** The value of `--name` as an integer ≥ `minimum`, or `fallback` when absent. */
function integerOption(options: Map<string, string[]>, name: string, minimum: number, fallback: number): number {
  if (!options.has(name)) return fallback;
  const text = requiredOption(options, name);
  const value = Number(text);
  check(/^\s*-?\d+\s*$/.test(text) && Number.isSafeInteger(value) && value >= minimum, `--${name} must be an integer ≥ ${minimum}, got ${JSON.stringify(text)}`);
  return value;
}

export const evalCommand: Command = {
  summary: "token accuracy on fresh task sequences (settings from DIR/model-card.json), or bits per character of a text file",
  usage: "eval --model DIR (--task selective-copying [--n 1000] [--seed S] | --text FILE)",
  run(argv, output) {
    const options = parseOptions(argv, ["model", "task", "n", "seed", "text"]);
    if (options.has("text")) {
      check(!options.has("task"), "give either --text or --task, not both");
      return evalText(options, output);
    }
    const directory = requiredOption(options, "model");
    const task = requiredOption(options, "task");
    check(task === "selective-copying", `--task must be selective-copying, got ${JSON.stringify(task)}`);
    const card = readModelCard(directory);
    check(card.task.task === task, `${join(directory, CARD_JSON)} describes a ${card.task.task} model, not ${task}`);
    const count = integerOption(options, "n", 1, 1000);
    const seed = integerOption(options, "seed", Number.MIN_SAFE_INTEGER, card.test.seed);
    const accuracy = evaluateSelectiveCopying(loadModelDirectory(directory), card.task, count, seed);
    output.stdout(`${JSON.stringify({ accuracy })}\n`);
  },
};
