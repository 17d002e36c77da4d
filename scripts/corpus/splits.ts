/** The character models' corpus splits as `npm run data:corpus` writes them (data/corpus/prose, not committed). */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const CORPUS_DIR = resolve(import.meta.dirname, "../../data/corpus/prose");
export const SPLITS = ["train", "validation", "test"] as const;
export type Split = (typeof SPLITS)[number];

/** The text of one split; exits with one line if the corpus has not been built. */
export function readSplit(split: Split): string {
  const path = join(CORPUS_DIR, `${split}.txt`);
  if (!existsSync(path)) {
    process.stderr.write(`${path} is missing: build the corpus first (npm run data:corpus)\n`);
    process.exit(1);
  }
  return readFileSync(path, "utf8");
}
