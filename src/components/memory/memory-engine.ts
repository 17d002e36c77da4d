/**
 * The memory chapter's door to the page's engine (components/page-engine.ts): a Predictor
 * (src/engine/tasks/memory-scoring.ts) for each model. Mamba runs on the page engine (logits only, read back
 * once per sequence); the attention baseline runs on the page's tfjs backend (attention-lm.ts), or in float64
 * when the page runs the float64 reference.
 */
import { BACKEND_LABELS } from "../../engine/engine.js";
import type { UploadedAttentionModel } from "../../engine/gpu/attention-lm.js";
import { argmax, attentionPredictor, type Predictor } from "../../engine/tasks/memory-scoring.js";
import { pageEngine } from "../page-engine.js";
import type { MemoryModel } from "./models.js";

export interface MemoryEngine {
  /** "WebGPU", "WebGL2", "CPU (tfjs)" or "float64 reference". */
  readonly label: string;
  readonly reason: string;
  predictor(entry: MemoryModel): Predictor;
}

/** The chapter's predictors on the page's engine. */
export async function createMemoryEngine(): Promise<MemoryEngine> {
  const engine = await pageEngine();
  const uploads = new Map<MemoryModel, UploadedAttentionModel>();
  return {
    get label() {
      return BACKEND_LABELS[engine.backend];
    },
    get reason() {
      return engine.reason;
    },
    predictor(entry) {
      const vocab = entry.vocab;
      if (entry.kind === "attention" && engine.backend === "reference") return attentionPredictor(entry.model);
      return async (ids, positions) => {
        const row = Array.from(ids);
        let logits: ArrayLike<number>;
        if (entry.kind === "mamba") {
          logits = (await engine.runModel(entry.model, [row], { logitsOnly: true })).logits;
        } else {
          // tfjs comes with the engine, not with the page (page-engine.ts): imported on first use.
          const { gpuAttentionForward, uploadAttentionModel } = await import("../../engine/gpu/attention-lm.js");
          let uploaded = uploads.get(entry);
          if (!uploaded) uploads.set(entry, (uploaded = uploadAttentionModel(entry.model)));
          logits = await gpuAttentionForward(uploaded, row);
        }
        return Int32Array.from(positions, (t) => argmax(logits, t * vocab, vocab));
      };
    },
  };
}
