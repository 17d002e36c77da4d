/**
 * The fresh block's input (block-widget.ts): the reader's words, each embedded as a seeded random vector
 * (a fresh block has no vocabulary, so the same word simply always gets the same vector). No DOM.
 */
import { createRandom } from "../../engine/random.js";

export const MAX_TOKENS = 24;

/** Whitespace-separated tokens, at most MAX_TOKENS; `dropped` counts what was cut. */
export function tokenize(text: string): { tokens: string[]; dropped: number } {
  const all = text.split(/\s+/).filter((token) => token.length > 0);
  return { tokens: all.slice(0, MAX_TOKENS), dropped: Math.max(0, all.length - MAX_TOKENS) };
}

/** A 32-bit FNV-1a hash of a token, so the same token always gets the same embedding. */
function hashToken(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** (length, dModel): each token's embedding, N(0, 1) entries seeded by the token and `seed`. */
export function embedTokens(tokens: readonly string[], dModel: number, seed: number): Float64Array {
  const input = new Float64Array(tokens.length * dModel);
  tokens.forEach((token, t) => {
    const random = createRandom((hashToken(token) ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
    for (let d = 0; d < dModel; d++) input[t * dModel + d] = random.normal();
  });
  return input;
}
