/**
 * Reading a checkpoint the reader picks or drops: `config.json` + `model.safetensors` (and an optional
 * `tokenizer.json`) from a folder or loose files. Sizes are checked before a single byte is read,
 * then the engine's readers validate everything; every problem becomes one sentence. Nothing is
 * uploaded anywhere: files are read with File.arrayBuffer() in this tab.
 */
import { bpeTokenizer } from "../../engine/bpe-tokenizer.js";
import { charTokenizer, type CharTokenizer } from "../../engine/char-tokenizer.js";
import { loadMambaCheckpoint } from "../../engine/checkpoint.js";
import { EngineError } from "../../engine/errors.js";
import type { MambaModel } from "../../engine/types.js";

/** The largest files the page reads (a float32 mamba-130m is about 0.5 GB). */
export const LIMITS = {
  config: 1024 * 1024,
  weights: 1024 * 1024 * 1024,
  tokenizer: 64 * 1024 * 1024,
} as const;

/** A file as the page sees it: a name (possibly with its folder) and its bytes on demand. */
export interface PickedFile {
  name: string;
  size: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface CheckpointFiles {
  config: PickedFile;
  weights: PickedFile;
  tokenizer?: PickedFile;
}

export interface LoadedCheckpoint {
  /** Where it came from, for the status line: the folder name or "dropped files". */
  label: string;
  model: MambaModel;
  /** From tokenizer.json, when one came with the checkpoint. */
  tokenizer?: TextTokenizer;
  weightsBytes: number;
}

/** Text to ids and back, whichever tokenizer a checkpoint brings (HF's byte-level BPE, or this site's characters). */
export interface TextTokenizer {
  encode(text: string): number[];
  /** The piece of text a token id stands for. */
  decodeToken(id: number): string;
}

/** The site's character tokenizer as a TextTokenizer. */
export function characterTextTokenizer(tokenizer: CharTokenizer): TextTokenizer {
  return { encode: (text) => tokenizer.encode(text).ids, decodeToken: (id) => tokenizer.token(id) };
}

/** A parsed tokenizer.json of either kind: {"type": "characters", …} is this site's, anything else HF's BPE. */
export function textTokenizer(json: unknown): TextTokenizer {
  const kind = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  return kind === "characters" ? characterTextTokenizer(charTokenizer(json)) : bpeTokenizer(json);
}

const baseName = (name: string) => name.split(/[\\/]/).pop() ?? name;

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** Finds the three files by name among `files`; throws EngineError saying what is missing. */
export function chooseCheckpointFiles(files: readonly PickedFile[]): CheckpointFiles {
  if (files.length === 0) throw new EngineError("no files were given: pick config.json and model.safetensors (or their folder)");
  const find = (name: string) => files.find((file) => baseName(file.name) === name);
  const config = find("config.json");
  const weights = find("model.safetensors");
  const names = files.map((file) => baseName(file.name)).slice(0, 5).join(", ");
  if (!config || !weights) {
    const missing = [config ? "" : "config.json", weights ? "" : "model.safetensors"].filter(Boolean).join(" and ");
    const sharded = files.some((file) => /model-\d+-of-\d+\.safetensors$/.test(file.name)) ? " (sharded checkpoints are not supported: save it with a single model.safetensors)" : "";
    throw new EngineError(`missing ${missing} among the ${files.length} file(s) given (${names}${files.length > 5 ? ", …" : ""})${sharded}`);
  }
  return { config, weights, tokenizer: find("tokenizer.json") };
}

/** Throws EngineError if any file is larger than the page reads; runs before anything is read. */
export function checkSizes(files: CheckpointFiles, limits: typeof LIMITS = LIMITS): void {
  const entries: [keyof typeof LIMITS, PickedFile | undefined][] = [["config", files.config], ["weights", files.weights], ["tokenizer", files.tokenizer]];
  for (const [kind, file] of entries) {
    if (file && file.size > limits[kind]) {
      throw new EngineError(`${baseName(file.name)} is ${megabytes(file.size)}, more than the ${megabytes(limits[kind])} this page reads in a browser tab; try a smaller checkpoint such as state-spaces/mamba-130m-hf`);
    }
  }
}

/** Validates sizes, then reads and parses the checkpoint with the engine's readers. */
export async function readCheckpoint(files: readonly PickedFile[], label: string): Promise<LoadedCheckpoint> {
  const chosen = chooseCheckpointFiles(files);
  checkSizes(chosen);
  let configJson: unknown;
  try {
    configJson = JSON.parse(await chosen.config.text());
  } catch {
    throw new EngineError("config.json is not valid JSON");
  }
  const weights = new Uint8Array(await chosen.weights.arrayBuffer());
  const model = loadMambaCheckpoint(configJson, weights, "model.safetensors");
  let tokenizer: TextTokenizer | undefined;
  if (chosen.tokenizer) {
    let json: unknown;
    try {
      json = JSON.parse(await chosen.tokenizer.text());
    } catch {
      throw new EngineError("tokenizer.json is not valid JSON");
    }
    tokenizer = textTokenizer(json);
  }
  return { label, model, tokenizer, weightsBytes: weights.length };
}

/** Every file of a drop, descending one level into dropped folders (a HF model folder is flat). */
export async function filesFromDrop(transfer: DataTransfer): Promise<{ files: File[]; label: string }> {
  const entries = Array.from(transfer.items, (item) => item.webkitGetAsEntry?.()).filter((entry): entry is FileSystemEntry => !!entry);
  const folder = entries.find((entry) => entry.isDirectory) as FileSystemDirectoryEntry | undefined;
  if (!folder) return { files: Array.from(transfer.files), label: "dropped files" };
  const children = await new Promise<FileSystemEntry[]>((resolve, reject) => folder.createReader().readEntries(resolve, reject));
  const files = await Promise.all(
    children.filter((entry) => entry.isFile).map((entry) => new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))),
  );
  return { files, label: `folder ${folder.name}` };
}
