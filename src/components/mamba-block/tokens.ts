/**
 * Token ids as the reader types them ("0 0 3 0 9", commas allowed) and how the page names them: with
 * a Selective Copying model card, noise reads "·", markers "▸" and data tokens their value.
 */
import { EngineError } from "../../engine/errors.js";
import type { SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";

/** The longest sequence the page's interactive figures accept (they redraw on every keystroke). */
export const MAX_TOKENS = 128;

/** Parses "3 1 4, 1" into ids; throws EngineError naming the first bad entry. */
export function parseTokenIds(text: string, vocabSize: number, maxLength = MAX_TOKENS): number[] {
  const parts = text.split(/[\s,]+/).filter((part) => part !== "");
  if (parts.length === 0) throw new EngineError("type at least one token id");
  if (parts.length > maxLength) throw new EngineError(`${parts.length} token ids is more than the ${maxLength} this figure takes`);
  return parts.map((part, i) => {
    const id = Number(part);
    if (!/^\d+$/.test(part) || id >= vocabSize) {
      throw new EngineError(`token ${i + 1} ("${part}") is not a token id: ids are whole numbers from 0 to ${vocabSize - 1}`);
    }
    return id;
  });
}

/** How a token id is shown in labels. */
export function tokenLabel(id: number, task?: SelectiveCopyingSettings): string {
  if (!task) return String(id);
  if (id === task.noiseToken) return "·";
  if (id === task.markerToken) return "▸";
  return String(id);
}

export function tokenLabels(ids: readonly number[], task?: SelectiveCopyingSettings): string[] {
  return ids.map((id, t) => `${t}: ${tokenLabel(id, task)}`);
}

/** The index of the largest value of each row of (rows, columns). */
export function argmaxRows(values: ArrayLike<number>, columns: number): number[] {
  const rows = values.length / columns;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[r * columns + c] > values[r * columns + best]) best = c;
    return best;
  });
}

/** Softmax of every row of (rows, columns). */
export function softmaxRows(values: ArrayLike<number>, columns: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < values.length / columns; r++) {
    let max = -Infinity;
    for (let c = 0; c < columns; c++) max = Math.max(max, values[r * columns + c]);
    let sum = 0;
    for (let c = 0; c < columns; c++) sum += out[r * columns + c] = Math.exp(values[r * columns + c] - max);
    for (let c = 0; c < columns; c++) out[r * columns + c] /= sum;
  }
  return out;
}

/** The message of a caught error, for a status line (engine errors are one line already). */
export function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
