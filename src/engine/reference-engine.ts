/**
 * The float64 reference behind the Engine interface (engine.ts): the model, the block, the scan and
 * decoding computed by the reference functions that the golden files test (model.ts, block.ts,
 * selective-scan.ts). It runs where it is created: on a page, in a worker (workers/engine-worker.ts), or in
 * Node. Every rule of src/math.md#discretisation runs here.
 */
import { mambaBlockForward } from "./block.js";
import type { Decoder, Engine } from "./engine.js";
import { initialLmState, lmForward, lmStep, type LmState } from "./model.js";
import { applyScanOverrides } from "./overrides.js";
import { checkStateShape } from "./recurrent.js";
import { selectiveScan } from "./selective-scan.js";
import type { DiscretisationRule, MambaModel } from "./types.js";

/** The reference as an Engine; `reason` says why it runs (shown in the backend badge's tooltip). */
export function createReferenceEngine(reason = "float64 reference, requested with ?backend=reference"): Engine {
  return {
    backend: "reference",
    reason,
    lossNote: undefined,
    onBackendChange: () => () => {},
    runModel: async (model, ids, options) => lmForward(model, ids, options),
    runBlock: async (weights, input, batch, length, options) => mambaBlockForward(weights, input, batch, length, options),
    scan: async (inputs, overrides) => selectiveScan(applyScanOverrides(inputs, overrides)),
    decoder: (model, options = {}) => referenceDecoder(model, options.rule),
    release: () => {},
    dispose: () => {},
  };
}

/** lmStep one token at a time; the state is plain float64 arrays. */
function referenceDecoder(model: MambaModel, rule: DiscretisationRule = "mamba"): Decoder {
  let state: LmState = initialLmState(model);
  let position = 0;
  return {
    async step(id) {
      const next = lmStep(model, state, id, rule);
      state = next.state;
      position++;
      return next.logits;
    },
    get position() {
      return position;
    },
    state: async () => copyState(state),
    reset(from, at = 0) {
      if (from) checkStateShape(model, from);
      state = from ? copyState(from) : initialLmState(model);
      position = at;
    },
    dispose: () => {},
  };
}

/** A deep copy of a decoding state (the caller may keep or change its copy). */
export function copyState(state: LmState): LmState {
  return state.map((layer) => ({ convWindow: Float64Array.from(layer.convWindow), h: Float64Array.from(layer.h) }));
}
