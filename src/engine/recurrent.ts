/**
 * Recurrent decoding (src/math.md#decoding): tokens go through `lmStep` one at a time, the
 * model carrying only its constant-size state — per layer the last k − 1 conv inputs and h — from
 * one token to the next. Also what that memory costs next to a Transformer's KV cache.
 */
import { check } from "./errors.js";
import { checkTokenIds, initialLmState, lmStep, type LmState } from "./model.js";
import type { BRule, MambaConfig, MambaModel } from "./types.js";

/** A sequence decoded token by token. */
export interface StepwiseRun {
  length: number;
  /** (length, vocab): the logits after every token */
  logits: Float64Array;
  /** states[t] = the state after token t (length entries); only with keepStates */
  states?: LmState[];
  /** The state after the last token. */
  finalState: LmState;
}

/**
 * Feeds `ids` one token at a time through `lmStep`, starting from `state` (default: zeros, as at the
 * start of a sequence). The given state is not modified.
 */
export function decodeStepwise(
  model: MambaModel,
  ids: readonly number[],
  options: { state?: LmState; keepStates?: boolean; rule?: BRule } = {},
): StepwiseRun {
  checkTokenIds([ids], model.config.vocabSize);
  const vocab = model.config.vocabSize;
  let state = options.state ?? initialLmState(model);
  checkStateShape(model, state);
  const logits = new Float64Array(ids.length * vocab);
  const states: LmState[] = [];
  ids.forEach((id, t) => {
    const step = lmStep(model, state, id, options.rule);
    logits.set(step.logits, t * vocab);
    state = step.state;
    if (options.keepStates) states.push(state);
  });
  return { length: ids.length, logits, states: options.keepStates ? states : undefined, finalState: state };
}

/** Throws an EngineError unless `state` has one (convWindow, h) pair of the model's sizes per layer. */
export function checkStateShape(model: MambaModel, state: LmState): void {
  const { numLayers, dInner, dState, convWidth } = model.config;
  check(state.length === numLayers, `state has ${state.length} layers, the model has ${numLayers}`);
  state.forEach((layer, i) => {
    check(layer.convWindow.length === (convWidth - 1) * dInner, `state layer ${i}: conv window has ${layer.convWindow.length} values, expected (d_conv − 1) × d_inner = ${(convWidth - 1) * dInner}`);
    check(layer.h.length === dInner * dState, `state layer ${i}: h has ${layer.h.length} values, expected d_inner × d_state = ${dInner * dState}`);
  });
}

/** Numbers of values a model keeps while decoding; the same whatever the position. */
export interface RecurrentMemory {
  /** numLayers · (convWidth − 1) · dInner: the conv's window of previous inputs */
  convWindow: number;
  /** numLayers · dInner · dState: h */
  ssmState: number;
  total: number;
}

/** The decoding state's size in values (multiply by 4 for float32 bytes). */
export function recurrentMemory(config: MambaConfig): RecurrentMemory {
  const { numLayers, dInner, dState, convWidth } = config;
  const convWindow = numLayers * (convWidth - 1) * dInner;
  const ssmState = numLayers * dInner * dState;
  return { convWindow, ssmState, total: convWindow + ssmState };
}

/**
 * Values in the KV cache of a Transformer as wide and as deep as `config` after `length` tokens:
 * every layer keeps a key and a value vector of d_model per token, 2 · numLayers · length · dModel.
 */
export function kvCacheSize(config: MambaConfig, length: number): number {
  check(Number.isInteger(length) && length >= 0, `kvCacheSize: length must be a non-negative integer, got ${length}`);
  return 2 * config.numLayers * length * config.dModel;
}

/** The first position at which the KV cache holds more values than the recurrent state. */
export function kvCacheCrossover(config: MambaConfig): number {
  return Math.floor(recurrentMemory(config).total / (2 * config.numLayers * config.dModel)) + 1;
}
