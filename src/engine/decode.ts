/**
 * Reading ids one at a time through an Engine's decoder (engine.ts Decoder, src/math.md#decoding): the
 * logits after every token, optionally the state after every token, and the time each step took. What
 * the decoding figures, the state cartridge and state patching are built on, on whatever backend runs.
 */
import type { Engine } from "./engine.js";
import type { LmState } from "./model.js";
import type { MambaModel } from "./types.js";

export interface DecodedIds {
  length: number;
  /** (length, vocab): the logits after every token */
  logits: Float64Array;
  /** states[t] = the state after token t, only with keepStates */
  states?: LmState[];
  /** The state after the last token. */
  finalState: LmState;
  /** Milliseconds each step took, readback of its logits included. */
  stepMs: number[];
}

export interface DecodeOptions {
  /** Start from this state (default: zeros, the start of a sequence), read at `position`. */
  from?: LmState;
  position?: number;
  keepStates?: boolean;
}

/** Reads `ids` one token at a time with the engine's decoder for `model`. */
export async function decodeIds(engine: Engine, model: MambaModel, ids: readonly number[], options: DecodeOptions = {}): Promise<DecodedIds> {
  const vocab = model.config.vocabSize;
  const decoder = engine.decoder(model);
  try {
    if (options.from) decoder.reset(options.from, options.position ?? 0);
    const logits = new Float64Array(ids.length * vocab);
    const states: LmState[] = [];
    const stepMs: number[] = [];
    for (const [t, id] of ids.entries()) {
      const started = performance.now();
      logits.set(await decoder.step(id), t * vocab);
      stepMs.push(performance.now() - started);
      if (options.keepStates) states.push(await decoder.state());
    }
    const finalState = options.keepStates && states.length ? states[states.length - 1] : await decoder.state();
    return { length: ids.length, logits, states: options.keepStates ? states : undefined, finalState, stepMs };
  } finally {
    decoder.dispose();
  }
}
