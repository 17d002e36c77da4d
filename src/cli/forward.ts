/** `mamba forward --model DIR --ids 3,1,4 [--ids ...]`: logits of a checkpoint as JSON. */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { check } from "../engine/errors.js";
import { loadMambaCheckpoint } from "../engine/checkpoint.js";
import { lmForward } from "../engine/model.js";
import { parseOptions, requiredOption } from "./args.js";
import type { Command } from "./command.js";
import { readBytes, readJson } from "./files.js";
import type { MambaModel } from "../engine/types.js";

/** Loads DIR/config.json and DIR/model.safetensors. */
export function loadModelDirectory(directory: string): MambaModel {
  const weightsPath = join(directory, "model.safetensors");
  check(
    existsSync(weightsPath) || !existsSync(join(directory, "model.safetensors.index.json")),
    `${directory} holds a sharded checkpoint (model.safetensors.index.json); only a single model.safetensors is supported`,
  );
  const config = readJson(join(directory, "config.json"));
  return loadMambaCheckpoint(config, readBytes(weightsPath), weightsPath);
}

/** "3,1,4" → [3, 1, 4]; ids are checked against the vocabulary later. */
export function parseIdList(text: string): number[] {
  check(/^\s*\d+(\s*,\s*\d+)*\s*$/.test(text), `--ids ${JSON.stringify(text)} is not a comma-separated list of non-negative integers`);
  return text.split(",").map((id) => Number(id));
}

/** Rows of `flat` (rows × width) as nested arrays. */
function rowsOf(flat: Float64Array, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));
}

export const forwardCommand: Command = {
  summary: "logits of a HuggingFace Mamba checkpoint for token ids (repeat --ids for a batch)",
  usage: "forward --model DIR --ids 3,1,4 [--ids 1,5,9 ...]",
  run(argv, output) {
    const options = parseOptions(argv, ["model", "ids"]);
    const directory = requiredOption(options, "model");
    const idRows = (options.get("ids") ?? []).map(parseIdList);
    check(idRows.length > 0, "missing option --ids");
    const model = loadModelDirectory(directory);
    const { logits, length } = lmForward(model, idRows);
    const rows = rowsOf(logits, model.config.vocabSize);
    const perSequence = Array.from({ length: idRows.length }, (_, b) => rows.slice(b * length, (b + 1) * length));
    output.stdout(JSON.stringify({ logits: idRows.length === 1 ? perSequence[0] : perSequence }) + "\n");
  },
};
