/**
 * The page's one door to the engines (to be replaced by src/components/page-engine.ts when the lead's Engine
 * interface lands): a Predictor (src/engine/tasks/memory-scoring.ts) for each model on the reader's backend.
 * Mamba runs as lm-forward.ts's whole-model GPU forward, the attention baseline as attention-lm.ts's; both read
 * back the logits once per sequence. `?backend=reference`, or no working tfjs backend, runs the float64 engines.
 */
import { createGpuEngine } from "../../engine/gpu/engine.js";
import { gpuAttentionForward, uploadAttentionModel, type UploadedAttentionModel } from "../../engine/gpu/attention-lm.js";
import { gpuLmForward, uploadModel, type UploadedModel } from "../../engine/gpu/lm-forward.js";
import { argmax, attentionPredictor, mambaPredictor, type Predictor } from "../../engine/tasks/memory-scoring.js";
import { showBackend } from "../backend-badge.js";
import type { MemoryModel } from "./models.js";

export interface MemoryEngine {
  /** "WebGPU", "WebGL2", "CPU (tfjs)" or "float64 reference". */
  readonly label: string;
  readonly reason: string;
  predictor(entry: MemoryModel): Predictor;
}

const LABELS: Record<string, string> = { webgpu: "WebGPU", webgl: "WebGL2", cpu: "CPU (tfjs)" };

function referenceEngine(reason: string): MemoryEngine {
  return { label: "float64 reference", reason, predictor: (entry) => (entry.kind === "mamba" ? mambaPredictor(entry.model) : attentionPredictor(entry.model)) };
}

/** The engine for `search` (location.search); fills the header's backend badge. */
export async function createMemoryEngine(search: string): Promise<MemoryEngine> {
  if (new URLSearchParams(search).get("backend") === "reference") return referenceEngine("float64 reference (src/engine), requested with ?backend=reference");
  try {
    const gpu = await createGpuEngine({ backend: search });
    if (typeof document !== "undefined") showBackend(gpu);
    const uploads = new Map<MemoryModel, UploadedModel | UploadedAttentionModel>();
    return {
      label: LABELS[gpu.backend] ?? gpu.backend,
      reason: gpu.reason,
      predictor(entry) {
        const vocab = entry.vocab;
        return async (ids, positions) => {
          let uploaded = uploads.get(entry);
          if (!uploaded) uploads.set(entry, (uploaded = entry.kind === "mamba" ? uploadModel(entry.model) : uploadAttentionModel(entry.model)));
          const row = Array.from(ids);
          const logits = entry.kind === "mamba" ? (await gpuLmForward(uploaded as UploadedModel, row)).logits : await gpuAttentionForward(uploaded as UploadedAttentionModel, row);
          return Int32Array.from(positions, (t) => argmax(logits, t * vocab, vocab));
        };
      },
    };
  } catch (error) {
    return referenceEngine(`float64 reference: no tfjs backend started (${error instanceof Error ? error.message : String(error)})`);
  }
}
