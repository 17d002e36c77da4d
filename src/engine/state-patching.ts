/**
 * State patching, the activation-patching experiment on a recurrent model: run a target sequence and
 * a source sequence of the same length token by token, then rerun the target with the state of some
 * layers after token p replaced by the source's state after token p, and measure how far every later
 * output moves. Since the future depends on the past only through the state, patching every layer
 * at p makes every output after p exactly the source's (given the same later tokens).
 */
import type { BlockState } from "./block.js";
import { decodeIds } from "./decode.js";
import type { Engine } from "./engine.js";
import { check } from "./errors.js";
import type { LmState } from "./model.js";
import type { MambaModel } from "./types.js";

/** `target` with the listed layers taken from `source`. */
export function patchState(target: LmState, source: LmState, layers: readonly number[]): LmState {
  check(target.length === source.length, `patchState: target has ${target.length} layers, source ${source.length}`);
  layers.forEach((layer) => check(Number.isInteger(layer) && layer >= 0 && layer < target.length, `patchState: no layer ${layer} (the model has ${target.length})`));
  return target.map((state: BlockState, i) => (layers.includes(i) ? source[i] : state));
}

/** ‖a_t − b_t‖₂ for every position t of two (length, vocab) logit tables. */
export function logitDistancePerPosition(a: Float64Array, b: Float64Array, vocab: number): Float64Array {
  check(a.length === b.length && a.length % vocab === 0, "logitDistancePerPosition: tables of different sizes");
  const length = a.length / vocab;
  return Float64Array.from({ length }, (_, t) => {
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += (a[t * vocab + v] - b[t * vocab + v]) ** 2;
    return Math.sqrt(sum);
  });
}

/** The patching experiment on one pair of sequences. */
export interface PatchingGrid {
  length: number;
  /** (patch position p, output position t): ‖patched logits_t − target logits_t‖₂; 0 for t ≤ p */
  effect: Float64Array;
  /** (length): ‖source logits_t − target logits_t‖₂, what a full swap of the input would change */
  sourceEffect: Float64Array;
}

/**
 * Patches the listed layers at every position p in turn (see PatchingGrid), decoding on `engine`: the
 * target and the source once each (keeping their states), then for every p the target's tokens after p
 * from the patched state. `onRow` is told after each p (a page shows progress; it takes ~L²/2 steps).
 */
export async function patchingGrid(
  engine: Engine,
  model: MambaModel,
  targetIds: readonly number[],
  sourceIds: readonly number[],
  layers: readonly number[],
  onRow?: (done: number, total: number) => void,
): Promise<PatchingGrid> {
  check(targetIds.length === sourceIds.length, `patching needs two sequences of the same length: the target has ${targetIds.length} tokens, the source ${sourceIds.length}`);
  const vocab = model.config.vocabSize;
  const target = await decodeIds(engine, model, targetIds, { keepStates: true });
  const source = await decodeIds(engine, model, sourceIds, { keepStates: true });
  const length = targetIds.length;
  const effect = new Float64Array(length * length);
  for (let p = 0; p < length; p++) {
    const logits = target.logits.slice();
    const after = targetIds.slice(p + 1);
    if (after.length > 0) {
      const patched = await decodeIds(engine, model, after, { from: patchState(target.states![p], source.states![p], layers), position: p + 1 });
      logits.set(patched.logits, (p + 1) * vocab);
    }
    effect.set(logitDistancePerPosition(logits, target.logits, vocab), p * length);
    onRow?.(p + 1, length);
  }
  return { length, effect, sourceEffect: logitDistancePerPosition(source.logits, target.logits, vocab) };
}
