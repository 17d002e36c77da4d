/**
 * The character-level tokenizer of the site's language models: one token per character, so every token
 * a reader sees is a character they typed (src/math.md#tokenizer).
 *
 * Its file, `tokenizer.json` beside the checkpoint, is this project's own small format:
 *   {"type": "characters", "version": 1, "normalization": "NFC",
 *    "replacements": {"’": "'", …},      // applied after NFC, one character → a string of vocabulary characters
 *    "vocab": ["<unk>", "\n", " ", "!", …], // token id = index; every entry but the unknown is one character
 *    "unknown": "<unk>"}
 * Encoding: NFC, "\r\n" → "\n", then the replacements, then one id per character (code point); a character
 * outside the vocabulary becomes the unknown id, and its position is reported so pages can flag it.
 */
import { EngineError, check } from "./errors.js";
import { isObject } from "./tensor-json.js";

export interface CharTokenizer {
  /** Number of ids, the unknown one included. */
  readonly vocabSize: number;
  readonly unknownId: number;
  /** Text → ids; `unknown` lists the characters (after normalisation) that became the unknown id, with their index in `ids`. */
  encode(text: string): CharEncoding;
  /** Ids → text; the unknown id is written as U+FFFD. */
  decode(ids: readonly number[]): string;
  /** The text one id stands for (U+FFFD for the unknown id). */
  token(id: number): string;
  /** The file's contents, to save beside a checkpoint. */
  toJSON(): CharTokenizerFile;
}

export interface CharEncoding {
  ids: number[];
  /** The normalised text, one character (code point) per id. */
  characters: string[];
  unknown: { index: number; character: string }[];
}

export interface CharTokenizerFile {
  type: "characters";
  version: 1;
  normalization: "NFC";
  replacements: Record<string, string>;
  vocab: string[];
  unknown: string;
}

/** What the unknown id prints as. */
export const UNKNOWN_CHARACTER = "\uFFFD";

/**
 * Typographic characters readers often type, written the way the training text writes them
 * (Brown spells a dash "--" and quotes with ASCII marks); see docs/training.md.
 */
export const DEFAULT_REPLACEMENTS: Record<string, string> = {
  "\u2018": "'", "\u2019": "'", "\u201A": "'", "\u201B": "'",
  "\u201C": '"', "\u201D": '"', "\u201E": '"', "\u201F": '"',
  "\u2013": "--", "\u2014": "--", "\u2011": "-", "\u2212": "-",
  "\u2026": "...", "\u00A0": " ", "\t": " ",
};

/** NFC, "\r\n" and "\r" → "\n", then the replacements: the text the model reads. */
export function normaliseText(text: string, replacements: Record<string, string> = DEFAULT_REPLACEMENTS): string {
  const nfc = text.normalize("NFC").replace(/\r\n?/g, "\n");
  let out = "";
  for (const character of nfc) out += replacements[character] ?? character;
  return out;
}

/** The vocabulary of the site's models: the unknown symbol, newline, and printable ASCII (0x20–0x7E). */
export function asciiVocabulary(unknown = "<unk>"): string[] {
  return [unknown, "\n", ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))];
}

/** A tokenizer file for `vocab` (default: asciiVocabulary()). */
export function charTokenizerFile(vocab: string[] = asciiVocabulary()): CharTokenizerFile {
  return { type: "characters", version: 1, normalization: "NFC", replacements: { ...DEFAULT_REPLACEMENTS }, vocab, unknown: vocab[0] };
}

/** Checks a parsed tokenizer.json and builds the tokenizer; a malformed file gets a one-line EngineError. */
export function charTokenizer(json: unknown, label = "tokenizer.json"): CharTokenizer {
  check(isObject(json), `${label}: expected a JSON object`);
  check(json.type === "characters", `${label}: "type" must be "characters", found ${JSON.stringify(json.type)}`);
  check(json.version === 1, `${label}: "version" must be 1, found ${JSON.stringify(json.version)}`);
  check(json.normalization === "NFC", `${label}: "normalization" must be "NFC", found ${JSON.stringify(json.normalization)}`);
  const { vocab, unknown } = json;
  check(Array.isArray(vocab) && vocab.length >= 2 && vocab.length <= 256, `${label}: "vocab" must be an array of 2 to 256 strings`);
  check(typeof unknown === "string", `${label}: "unknown" must be a string`);
  const unknownId = vocab.indexOf(unknown);
  check(unknownId >= 0, `${label}: the unknown symbol ${JSON.stringify(unknown)} is not in "vocab"`);
  const ids = new Map<string, number>();
  vocab.forEach((entry: unknown, id: number) => {
    check(typeof entry === "string", `${label}: vocab[${id}] is not a string`);
    if (id === unknownId) return;
    check(Array.from(entry).length === 1, `${label}: vocab[${id}] ${JSON.stringify(entry)} is not one character`);
    check(!ids.has(entry), `${label}: vocab[${id}] ${JSON.stringify(entry)} appears twice`);
    ids.set(entry, id);
  });
  const replacements = json.replacements ?? {};
  check(isObject(replacements), `${label}: "replacements" must be an object`);
  for (const [from, to] of Object.entries(replacements)) {
    check(Array.from(from).length === 1 && typeof to === "string", `${label}: replacement ${JSON.stringify(from)} must map one character to a string`);
  }
  const table = replacements as Record<string, string>;
  const file: CharTokenizerFile = { type: "characters", version: 1, normalization: "NFC", replacements: { ...table }, vocab: [...vocab], unknown };
  const token = (id: number) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocab.length) throw new EngineError(`token id ${id} is outside the vocabulary (0–${vocab.length - 1})`);
    return id === unknownId ? UNKNOWN_CHARACTER : (vocab[id] as string);
  };
  return {
    vocabSize: vocab.length,
    unknownId,
    encode(text) {
      const characters = Array.from(normaliseText(text, table));
      const unknownAt: CharEncoding["unknown"] = [];
      const encoded = characters.map((character, index) => {
        const id = ids.get(character);
        if (id !== undefined) return id;
        unknownAt.push({ index, character });
        return unknownId;
      });
      return { ids: encoded, characters, unknown: unknownAt };
    },
    decode: (encoded) => encoded.map(token).join(""),
    token,
    toJSON: () => file,
  };
}

/** One line for readers: how many characters the model cannot read, and which (at most `shown` of them). */
export function describeUnknown(unknown: CharEncoding["unknown"], shown = 5): string | undefined {
  if (unknown.length === 0) return undefined;
  const distinct = [...new Set(unknown.map((entry) => entry.character))];
  const list = distinct.slice(0, shown).map((character) => `${JSON.stringify(character)} (U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")})`);
  const more = distinct.length > shown ? ` and ${distinct.length - shown} more` : "";
  return `${unknown.length} character${unknown.length === 1 ? "" : "s"} outside the model's vocabulary, read as the unknown symbol: ${list.join(", ")}${more}`;
}
