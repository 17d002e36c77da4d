/**
 * The engines the block widget can run on, behind one interface: the GPU engine (src/engine/gpu,
 * tfjs on WebGPU, WebGL or the CPU, chosen with ?backend=) or the float64 reference
 * (?backend=reference, and the fallback when no tfjs backend starts). Both return the same
 * token-major intermediates; A after overrides and x are taken from the reference because neither
 * depends on the GPU (A is a weight, x comes before the scan, which is all overrides touch).
 */
import { mambaBlockForward, stateMatrix } from "../../engine/block.js";
import { createGpuEngine } from "../../engine/gpu/engine.js";
import { applyPerturbation } from "../../engine/overrides.js";
import type { MambaBlockWeights, Numbers, ScanOverrides } from "../../engine/types.js";
import { showBackend } from "../backend-badge.js";

/** One block run on a sequence (batch 1), shapes token-major. */
export interface WidgetRun {
  /** (length, channels) */
  delta: Numbers;
  /** (channels, state) */
  A: Numbers;
  /** (length, state) */
  B: Numbers;
  /** (length, state) */
  C: Numbers;
  /** (length, channels): (y + D·x) ⊙ SiLU(z), the input of out_proj */
  y: Numbers;
}

export interface WidgetEngine {
  /** Short name for the status line: "WebGPU", "WebGL2", "CPU (tfjs)", "float64 reference". */
  readonly label: string;
  readonly reason: string;
  /** After a lost GPU: what happened and what runs now, one line (the widget shows it in its status). */
  readonly lossNote?: string;
  /** Calls `listener` when the engine moved to another backend (after a lost GPU); figures should be redrawn. */
  onChange?(listener: () => void): void;
  run(weights: MambaBlockWeights, input: Float64Array, length: number, overrides: ScanOverrides): Promise<WidgetRun>;
}

/** The float64 reference engine (src/engine/block.ts). */
export function referenceEngine(reason = "float64 reference (src/engine), requested with ?backend=reference"): WidgetEngine {
  return {
    label: "float64 reference",
    reason,
    async run(weights, input, length, overrides) {
      const result = mambaBlockForward(weights, input, 1, length, { overrides });
      return { delta: result.delta, A: result.A, B: result.B, C: result.C, y: result.yGated };
    },
  };
}

const LABELS: Record<string, string> = { webgpu: "WebGPU", webgl: "WebGL2", cpu: "CPU (tfjs)" };

let pageEngine: Promise<WidgetEngine> | undefined;

/**
 * The page's engine, created once (tfjs has one backend per page): `?backend=reference` gives the
 * float64 reference; otherwise the GPU engine with the backend `search` asks for (or the best one),
 * falling back to the reference, with the reason, if no tfjs backend starts.
 */
export function widgetEngine(search: string): Promise<WidgetEngine> {
  pageEngine ??= (async () => {
    if (new URLSearchParams(search).get("backend") === "reference") return referenceEngine();
    try {
      const gpu = await createGpuEngine({ backend: search });
      showBackend(gpu);
      return {
        get label() {
          return LABELS[gpu.backend] ?? gpu.backend;
        },
        get reason() {
          return gpu.reason;
        },
        get lossNote() {
          return gpu.lossNote;
        },
        onChange: (listener) => void gpu.onBackendChange(listener),
        async run(weights, input, length, overrides) {
          const result = await gpu.blockForward(weights, input, 1, length, { overrides });
          const { dInner, dState } = weights.dims;
          const A = applyPerturbation(stateMatrix(weights), overrides.A, dInner * dState, "A", "channels × state");
          return { delta: result.delta, A, B: result.B, C: result.C, y: result.yGated };
        },
      };
    } catch (error) {
      return referenceEngine(`float64 reference: no tfjs backend started (${error instanceof Error ? error.message : String(error)})`);
    }
  })();
  return pageEngine;
}

/** x = SiLU(conv(in_proj(u))) (length, channels), the scan's input, from the reference (overrides never change it). */
export function scanInput(weights: MambaBlockWeights, input: Float64Array, length: number): Float64Array {
  return mambaBlockForward(weights, input, 1, length).xConv;
}
