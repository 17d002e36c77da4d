/**
 * Δ by character class: how long a character model's channels let each kind of character linger in their state
 * (src/math.md#selectivity). A large Δ_t[c] resets channel c's state towards the current input; a small one keeps
 * what came before. The classes are the ones a reader sees in prose:
 *   space, newline, punctuation (every other non-letter, non-digit character), digit,
 *   word start (a letter after a non-letter, an apostrophe inside a word such as "don't" counting as a letter),
 *   word inside (every other letter).
 * Framework-free, so the pages and scripts/char-delta.ts compute the same thing.
 */
import { check } from "./errors.js";

export const CHARACTER_CLASSES = ["space", "punctuation", "word start", "word inside", "digit", "newline"] as const;
export type CharacterClass = (typeof CHARACTER_CLASSES)[number];

const isLetter = (character: string | undefined) => character !== undefined && /^[A-Za-z]$/.test(character);

/** The class of characters[index]; undefined for the unknown symbol (U+FFFD) and other non-ASCII characters. */
export function characterClassAt(characters: readonly string[], index: number): CharacterClass | undefined {
  const character = characters[index];
  if (character === " ") return "space";
  if (character === "\n") return "newline";
  if (/^[0-9]$/.test(character)) return "digit";
  if (isLetter(character)) {
    const previous = characters[index - 1];
    const insideWord = isLetter(previous) || (previous === "'" && isLetter(characters[index - 2]));
    return insideWord ? "word inside" : "word start";
  }
  return /^[\x21-\x7E]$/.test(character) ? "punctuation" : undefined;
}

/** The class of every character. */
export function characterClasses(characters: readonly string[]): (CharacterClass | undefined)[] {
  return characters.map((_, index) => characterClassAt(characters, index));
}

export interface DeltaOfClass {
  class: CharacterClass;
  /** How many characters of this class were read. */
  characters: number;
  /** Mean over these characters of the channel-mean Δ: (1/|S|) Σ_{t∈S} (1/D) Σ_c Δ_t[c]. */
  meanDelta: number;
  /** Mean over these characters of the share of channels c with Δ_t[c] above channel c's median over all rows. */
  shareAboveMedian: number;
}

/** The median of each column of `values` (rows, columns). */
export function columnMedians(values: ArrayLike<number>, rows: number, columns: number): Float64Array {
  const column = new Float64Array(rows);
  return Float64Array.from({ length: columns }, (_, c) => {
    for (let t = 0; t < rows; t++) column[t] = values[t * columns + c];
    column.sort();
    return rows % 2 ? column[(rows - 1) / 2] : (column[rows / 2 - 1] + column[rows / 2]) / 2;
  });
}

/**
 * Δ of one layer by character class. `delta` is (rows, channels), row t read at a character of class classes[t]
 * (rows with an undefined class count towards the medians but no class). Classes with no rows are left out.
 */
export function deltaByClass(delta: ArrayLike<number>, classes: readonly (CharacterClass | undefined)[], channels: number): DeltaOfClass[] {
  const rows = classes.length;
  check(delta.length === rows * channels, `Δ has ${delta.length} values, expected ${rows} rows × ${channels} channels`);
  const medians = columnMedians(delta, rows, channels);
  const totals = new Map<CharacterClass, { characters: number; delta: number; above: number }>();
  for (let t = 0; t < rows; t++) {
    const kind = classes[t];
    if (kind === undefined) continue;
    let sum = 0;
    let above = 0;
    for (let c = 0; c < channels; c++) {
      const value = delta[t * channels + c];
      sum += value;
      if (value > medians[c]) above++;
    }
    const total = totals.get(kind) ?? { characters: 0, delta: 0, above: 0 };
    total.characters++;
    total.delta += sum / channels;
    total.above += above / channels;
    totals.set(kind, total);
  }
  return CHARACTER_CLASSES.filter((kind) => totals.has(kind)).map((kind) => {
    const total = totals.get(kind)!;
    return { class: kind, characters: total.characters, meanDelta: total.delta / total.characters, shareAboveMedian: total.above / total.characters };
  });
}

/**
 * For every row t of `delta` (rows, channels): the share of channels c whose Δ_t[c] is above channel c's
 * median over the rows — where Δ opens, read one character at a time (0.5 everywhere means no preference).
 */
export function shareAboveMedianPerRow(delta: ArrayLike<number>, rows: number, channels: number): Float64Array {
  check(delta.length === rows * channels, `Δ has ${delta.length} values, expected ${rows} rows × ${channels} channels`);
  const medians = columnMedians(delta, rows, channels);
  return Float64Array.from({ length: rows }, (_, t) => {
    let above = 0;
    for (let c = 0; c < channels; c++) if (delta[t * channels + c] > medians[c]) above++;
    return above / channels;
  });
}
