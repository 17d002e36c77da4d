/**
 * A reader's text as a character model reads it (engine/char-lm.ts): normalised, one id per character,
 * the start-of-document character in front, at most MAX_CHARACTERS read. Whatever the reader types or
 * pastes — emoji, right-to-left scripts, control characters, a megabyte — comes back as something the
 * model can run plus one line saying what it could not read; never an exception. No DOM.
 */
import { contextIds, type CharModel } from "../../engine/char-lm.js";
import { describeUnknown } from "../../engine/char-tokenizer.js";

/** The longest text a page runs: a forward over it stays interactive on a CPU-only machine. */
export const MAX_CHARACTERS = 256;

export interface ReaderText {
  /** The start character's id, then one id per character read. */
  ids: number[];
  /** The characters read (after normalisation), one per id after the first. */
  characters: string[];
  /** Positions (in `characters`) that are outside the vocabulary. */
  unknown: number[];
  /** Characters past MAX_CHARACTERS that were not read. */
  cut: number;
  /** One line for the reader when something could not be read as typed; undefined when all is well. */
  note?: string;
}

/** The text the model reads, or `{empty: true}` when there is nothing to read. */
export function readerText({ tokenizer }: CharModel, raw: string, maxCharacters = MAX_CHARACTERS): ReaderText | { empty: true; note: string } {
  const all = Array.from(raw);
  const kept = all.slice(0, maxCharacters).join("");
  const { ids, encoding } = contextIds(tokenizer, kept);
  if (encoding.ids.length === 0) return { empty: true, note: "Type some text: the model reads it one character at a time." };
  const cut = all.length - Array.from(kept).length;
  const notes: string[] = [];
  const unknown = describeUnknown(encoding.unknown);
  if (unknown) notes.push(`${unknown}. They are flagged in the figures.`);
  if (cut > 0) notes.push(`Only the first ${maxCharacters} characters are read (${cut} more were left out): the live model answers within a frame or two at that length.`);
  return { ids, characters: encoding.characters, unknown: encoding.unknown.map((entry) => entry.index), cut, note: notes.length ? notes.join(" ") : undefined };
}
