/**
 * The golden files' names (HuggingFace runs in test/fixtures/golden, and the CLI's `scan` output) mapped,
 * once, to engine.ts's vocabulary. Scan outputs: "out" is yGated, "y_no_skip_no_gate" is y, "final_state"
 * is finalState. Model cases: "hidden_states"[0] is the embedding, [i + 1] layer i's residual; per layer
 * "x_conv" is u, "y_gated" is yGated.
 */
import type { LayerRun, ModelRun } from "./engine.js";
import { check } from "./errors.js";
import { isObject, readJsonTensor } from "./tensor-json.js";
import type { Numbers, SelectiveScanOutputs } from "./types.js";

/** Golden name → engine name of every per-layer tensor a model case holds. */
export const GOLDEN_LAYER_FIELDS = { x_conv: "u", z: "z", delta: "delta", B: "B", C: "C", y_gated: "yGated", final_state: "finalState" } as const satisfies Record<string, keyof LayerRun>;

/** A golden scan case's outputs. */
export function readScanOutputs(json: unknown): SelectiveScanOutputs {
  const context = "scan case outputs";
  check(isObject(json), `${context}: expected a JSON object`);
  return {
    yGated: readJsonTensor(json, "out", context).data,
    y: readJsonTensor(json, "y_no_skip_no_gate", context).data,
    finalState: readJsonTensor(json, "final_state", context).data,
  };
}

/** The residual stream of a run in the order of a golden case's "hidden_states". */
export function hiddenStates(run: ModelRun): Numbers[] {
  return [run.embedded, ...run.layers.map((layer) => layer.residual)];
}
