/**
 * The reader's Selective Copying sequence: the context (noise and data tokens) as a short string the
 * reader can edit and the URL can hold — "." for noise, "1"…"8" for the data values — then the
 * markers, at which the model must repeat the data tokens in order.
 */
import { check } from "../../engine/errors.js";
import { createRandom } from "../../engine/random.js";
import { generateSelectiveCopying, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { StripData } from "./sequence-strip.js";

export const NOISE_SYMBOL = ".";
export const MARKER_SYMBOL = "▸";
/** Symbols of data values 0, 1, …: "1"…"9" then letters, so the context stays one character per token. */
const DATA_SYMBOLS = "123456789abcdefghijklmnopqrstuvwxyz";

/** The symbol of token `id` ("." noise, "▸" marker, "1"… data). */
export function tokenSymbol(settings: SelectiveCopyingSettings, id: number): string {
  if (id === settings.noiseToken) return NOISE_SYMBOL;
  if (id === settings.markerToken) return MARKER_SYMBOL;
  const value = id - settings.firstDataToken;
  return value >= 0 && value < settings.dataVocab ? (DATA_SYMBOLS[value] ?? String(id)) : `#${id}`;
}

export function isDataToken(settings: SelectiveCopyingSettings, id: number): boolean {
  return id >= settings.firstDataToken && id < settings.firstDataToken + settings.dataVocab;
}

/** Every token the reader may place in the context: noise first, then the data values. */
export function placeableTokens(settings: SelectiveCopyingSettings): number[] {
  return [settings.noiseToken, ...Array.from({ length: settings.dataVocab }, (_, v) => settings.firstDataToken + v)];
}

/**
 * Context ids (contextLength) from the reader's text; a shorter text is padded with noise. Throws an
 * EngineError naming the first character that is neither "." nor a data symbol.
 */
export function parseContext(text: string, settings: SelectiveCopyingSettings): number[] {
  const symbols = Array.from(text.trim());
  check(symbols.length <= settings.contextLength, `the context holds ${settings.contextLength} tokens, the text has ${symbols.length}`);
  const ids = symbols.map((symbol, position) => {
    if (symbol === NOISE_SYMBOL) return settings.noiseToken;
    const value = DATA_SYMBOLS.indexOf(symbol.toLowerCase());
    check(
      value >= 0 && value < settings.dataVocab,
      `position ${position}: “${symbol}” is not a token; use “.” for noise or 1–${DATA_SYMBOLS[settings.dataVocab - 1]} for data`,
    );
    return settings.firstDataToken + value;
  });
  return [...ids, ...Array<number>(settings.contextLength - ids.length).fill(settings.noiseToken)];
}

/** The text of context ids (inverse of parseContext). */
export function formatContext(context: readonly number[], settings: SelectiveCopyingSettings): string {
  return context.map((id) => tokenSymbol(settings, id)).join("");
}

/** A fresh context from the task's own generator (the sequences the model was trained on). */
export function randomContext(settings: SelectiveCopyingSettings, seed: number): number[] {
  const batch = generateSelectiveCopying(settings, 1, seed);
  return Array.from(batch.inputIds.subarray(0, settings.contextLength));
}

/** The context with `token` at `position` (a new array). */
export function placeToken(context: readonly number[], position: number, token: number): number[] {
  check(Number.isInteger(position) && position >= 0 && position < context.length, `position ${position} is outside the context 0..${context.length - 1}`);
  return context.map((id, t) => (t === position ? token : id));
}

/** The model's input: the context followed by dataCount markers. */
export function fullSequence(context: readonly number[], settings: SelectiveCopyingSettings): number[] {
  return [...context, ...Array<number>(settings.dataCount).fill(settings.markerToken)];
}

/** Positions of the data tokens in the context, in order. */
export function dataPositions(context: readonly number[], settings: SelectiveCopyingSettings): number[] {
  return context.flatMap((id, t) => (isDataToken(settings, id) ? [t] : []));
}

/** What the i-th marker must output: the i-th data token, or undefined when the context holds fewer. */
export function expectedAnswers(context: readonly number[], settings: SelectiveCopyingSettings): (number | undefined)[] {
  const positions = dataPositions(context, settings);
  return Array.from({ length: settings.dataCount }, (_, i) => (i < positions.length ? context[positions[i]] : undefined));
}

/**
 * `count` contexts with data tokens at exactly the positions of `context` but fresh random values
 * (seeded): a test set on which a perturbation tied to positions means the same in every row.
 */
export function samePositionVariants(context: readonly number[], settings: SelectiveCopyingSettings, count: number, seed: number): number[][] {
  const random = createRandom(seed);
  const positions = dataPositions(context, settings);
  return Array.from({ length: count }, () => {
    const row = Array<number>(context.length).fill(settings.noiseToken);
    for (const t of positions) row[t] = settings.firstDataToken + random.integer(settings.dataVocab);
    return row;
  });
}

/** The strip figure's data for the full sequence (context and markers). */
export function stripData(context: readonly number[], settings: SelectiveCopyingSettings, outlined: readonly number[] = []): StripData {
  const ids = fullSequence(context, settings);
  return {
    symbols: ids.map((id) => tokenSymbol(settings, id)),
    kinds: ids.map((id) => (isDataToken(settings, id) ? "data" : id === settings.markerToken ? "marker" : "noise")),
    values: ids.map((id) => id - settings.firstDataToken),
    outlined,
    editable: settings.contextLength,
  };
}
