/**
 * `mamba eval --model DIR --task selective-copying [--n 1000] [--seed S]`: token accuracy of a trained
 * checkpoint on `n` freshly generated sequences, with the float64 reference forward. The task settings
 * come from DIR/model-card.json, so the sequences are those the model was trained on.
 * `--task induction-heads --length L` and `--task mqar --pairs P`: chapter 7's models (memory-eval.ts).
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
import { evalMemoryTask, MEMORY_TASKS } from "./memory-eval.js";
import { integerOption } from "./options.js";

export const evalCommand: Command = {
  summary: "token accuracy on fresh task sequences (settings from DIR/model-card.json), or bits per character of a text file",
  usage: "eval --model DIR (--task selective-copying [--n 1000] [--seed S] | --task induction-heads --length L [--n 100] [--seed S] | --task mqar --pairs P [--n 100] [--seed S] | --text FILE)",
  run(argv, output) {
    const options = parseOptions(argv, ["model", "task", "n", "seed", "text", "length", "pairs"]);
    if (options.has("text")) {
      check(!options.has("task"), "give either --text or --task, not both");
      return evalText(options, output);
    }
    const directory = requiredOption(options, "model");
    const task = requiredOption(options, "task");
    if ((MEMORY_TASKS as readonly string[]).includes(task)) return evalMemoryTask(options, task, output);
    check(task === "selective-copying", `--task must be selective-copying, induction-heads or mqar, got ${JSON.stringify(task)}`);
    check(!options.has("length") && !options.has("pairs"), "--length and --pairs belong to --task induction-heads and --task mqar");
    const card = readModelCard(directory);
    check(card.task.task === task, `${join(directory, CARD_JSON)} describes a ${card.task.task} model, not ${task}`);
    const count = integerOption(options, "n", 1, 1000);
    const seed = integerOption(options, "seed", Number.MIN_SAFE_INTEGER, card.test.seed);
    const accuracy = evaluateSelectiveCopying(loadModelDirectory(directory), card.task, count, seed);
    output.stdout(`${JSON.stringify({ accuracy })}\n`);
  },
};
