/**
 * State patching, the activation-patching experiment on a recurrent model: run a target sequence and
 * a source sequence of the same length token by token, then rerun the target with the state of some
 * layers after token p replaced by the source's state after token p, and measure how far every later
 * output moves. Since the future depends on the past only through the state, patching every layer
 * at p makes every output after p exactly the source's (given the same later tokens).
 */
import type { BlockState } from "./block.js";
import { check } from "./errors.js";
import { lmStep, type LmState } from "./model.js";
import { decodeStepwise, type StepwiseRun } from "./recurrent.js";
import type { MambaModel } from "./types.js";

/** `target` with the listed layers taken from `source`. */
export function patchState(target: LmState, source: LmState, layers: readonly number[]): LmState {
  check(target.length === source.length, `patchState: target has ${target.length} layers, source ${source.length}`);
  layers.forEach((layer) => check(Number.isInteger(layer) && layer >= 0 && layer < target.length, `patchState: no layer ${layer} (the model has ${target.length})`));
  return target.map((state: BlockState, i) => (layers.includes(i) ? source[i] : state));
}

/**
 * Logits (length, vocab) of `ids` with the listed layers' state after token `position` replaced by
 * `source.states[position]`. Tokens up to `position` keep the target's logits (the patch comes after them).
 */
export function patchedLogits(
  model: MambaModel,
  ids: readonly number[],
  target: StepwiseRun,
  source: StepwiseRun,
  position: number,
  layers: readonly number[],
): Float64Array {
  check(target.states !== undefined && source.states !== undefined, "patchedLogits: both runs need keepStates");
  check(ids.length === target.length && source.length === target.length, `patching needs two sequences of the same length (target ${target.length}, source ${source.length})`);
  check(Number.isInteger(position) && position >= 0 && position < ids.length, `patch position ${position} is outside 0..${ids.length - 1}`);
  const vocab = model.config.vocabSize;
  const logits = target.logits.slice();
  let state = patchState(target.states[position], source.states[position], layers);
  for (let t = position + 1; t < ids.length; t++) {
    const step = lmStep(model, state, ids[t]);
    logits.set(step.logits, t * vocab);
    state = step.state;
  }
  return logits;
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

/** Patches the listed layers at every position p in turn; see `PatchingGrid`. */
export function patchingGrid(model: MambaModel, targetIds: readonly number[], sourceIds: readonly number[], layers: readonly number[]): PatchingGrid {
  check(targetIds.length === sourceIds.length, `patching needs two sequences of the same length: the target has ${targetIds.length} tokens, the source ${sourceIds.length}`);
  const vocab = model.config.vocabSize;
  const target = decodeStepwise(model, targetIds, { keepStates: true });
  const source = decodeStepwise(model, sourceIds, { keepStates: true });
  const length = targetIds.length;
  const effect = new Float64Array(length * length);
  for (let p = 0; p < length; p++) {
    effect.set(logitDistancePerPosition(patchedLogits(model, targetIds, target, source, p, layers), target.logits, vocab), p * length);
  }
  return { length, effect, sourceEffect: logitDistancePerPosition(source.logits, target.logits, vocab) };
}
