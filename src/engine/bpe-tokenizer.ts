/**
 * Text → token ids with a HuggingFace `tokenizer.json` of the byte-level BPE kind that Mamba
 * checkpoints ship (GPT-NeoX's, as in state-spaces/mamba-130m-hf): split the text with GPT-2's
 * pre-tokenizer pattern, map every UTF-8 byte to a printable character (GPT-2's byte-to-unicode
 * table), then merge adjacent symbols by rank until no merge applies, and look the pieces up in the
 * vocabulary. Added (special) tokens are matched verbatim first. Other tokenizer kinds are refused
 * with a message.
 */
import { EngineError, check } from "./errors.js";
import { isObject } from "./tensor-json.js";

export interface BpeTokenizer {
  encode(text: string): number[];
  /** The piece of text a token id stands for ("?" for an unknown id). */
  decodeToken(id: number): string;
}

/** GPT-2's pre-tokenizer: contractions, words, numbers, other symbols, each with its leading space. */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's table: bytes that are printable keep their character, the others move to U+0100 onwards. */
function byteToUnicode(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(printable(b) ? b : next++);
  return table;
}

/** Builds the tokenizer from a parsed tokenizer.json; throws EngineError if it is not byte-level BPE. */
export function bpeTokenizer(json: unknown, label = "tokenizer.json"): BpeTokenizer {
  check(isObject(json) && isObject(json.model), `${label}: expected an object with a "model"`);
  const model = json.model as Record<string, unknown>;
  check(model.type === "BPE", `${label}: model type ${JSON.stringify(model.type)} is not supported (only byte-level BPE)`);
  check(isObject(model.vocab) && Array.isArray(model.merges), `${label}: a BPE model needs "vocab" and "merges"`);
  const vocab = new Map(Object.entries(model.vocab as Record<string, number>));
  const ranks = new Map<string, number>();
  (model.merges as unknown[]).forEach((merge, rank) => {
    const pair = Array.isArray(merge) ? merge.join(" ") : String(merge);
    ranks.set(pair, rank);
  });
  const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []) as { id: number; content: string }[];
  const pieces = new Map<number, string>();
  vocab.forEach((id, piece) => pieces.set(id, piece));
  added.forEach(({ id, content }) => pieces.set(id, content));
  const bytes = byteToUnicode();
  const unicodeToByte = new Map(bytes.map((char, b) => [char, b]));

  const bpe = (word: string): string[] => {
    let symbols = Array.from(word);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) return symbols;
      symbols = [...symbols.slice(0, best), symbols[best] + symbols[best + 1], ...symbols.slice(best + 2)];
    }
  };

  const encodePlain = (text: string): number[] =>
    (text.match(PRE_TOKENIZE) ?? []).flatMap((word) => {
      const mapped = Array.from(new TextEncoder().encode(word), (b) => bytes[b]).join("");
      return bpe(mapped).map((piece) => {
        const id = vocab.get(piece);
        if (id === undefined) throw new EngineError(`${label}: the piece ${JSON.stringify(piece)} is not in the vocabulary`);
        return id;
      });
    });

  return {
    encode(text) {
      const ids: number[] = [];
      let rest = text;
      while (rest.length > 0) {
        // The earliest added token, if any, splits the text.
        let at = -1;
        let token: { id: number; content: string } | undefined;
        for (const candidate of added) {
          const index = candidate.content ? rest.indexOf(candidate.content) : -1;
          if (index >= 0 && (at < 0 || index < at)) [at, token] = [index, candidate];
        }
        if (!token) {
          ids.push(...encodePlain(rest));
          break;
        }
        ids.push(...encodePlain(rest.slice(0, at)), token.id);
        rest = rest.slice(at + token.content.length);
      }
      return ids;
    },
    decodeToken(id) {
      const piece = pieces.get(id);
      if (piece === undefined) return "?";
      const raw = Array.from(piece, (char) => unicodeToByte.get(char));
      return raw.every((b) => b !== undefined) ? new TextDecoder().decode(Uint8Array.from(raw as number[])) : piece;
    },
  };
}
