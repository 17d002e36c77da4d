/**
 * Costs measured on the reader's device: one forward of the scan (linear in L), of Mamba-2's quadratic
 * form (L²) and of its chunked form (linear, with chunks of COST_CHUNK) on a scalar-A case, on the page's
 * backend, at doubling lengths; each the median of a few runs after a warm-up (which also compiles the
 * shaders), upload and read-back included. Every point also says how far the two dual forms are from the scan.
 */
import { scalarDecayScan } from "../../engine/hidden-attention.js";
import { randomScanCase } from "../../engine/scan-case.js";
import type { SelectiveScanInputs } from "../../engine/types.js";
import { maxAbsDifference } from "../convolution-scan/lti-case.js";
import { medianMs } from "../convolution-scan/measure.js";
import type { CostForms } from "./page-model.js";

/** Channels (heads of one dimension), states and chunk size of the timed case. */
export const COST_CHANNELS = 8;
export const COST_STATE = 16;
export const COST_CHUNK = 64;
/** Above this length the quadratic form's (channels, L, L) tensors would take hundreds of MB; it is not run. */
export const QUADRATIC_MAX = 2048;

/** A random scan case of COST_CHANNELS channels with one scalar A each (rule "mamba"). */
export function costCase(length: number, seed = 3): SelectiveScanInputs {
  return scalarDecayScan(randomScanCase({ batch: 1, channels: COST_CHANNELS, length, state: COST_STATE }, "mamba", seed, false));
}

export interface CostPoint {
  length: number;
  scanMs: number;
  chunkedMs: number;
  /** Absent above QUADRATIC_MAX. */
  quadraticMs?: number;
  /** max |form − scan| over the outputs. */
  chunkedGap: number;
  quadraticGap?: number;
}

/** Times the three forms at each length in turn, reporting each point as soon as it is measured. */
export async function measureCosts(forms: CostForms, lengths: readonly number[], repeats: number, onPoint: (point: CostPoint) => void): Promise<CostPoint[]> {
  const points: CostPoint[] = [];
  for (const length of lengths) {
    const inputs = costCase(length);
    const scanned = await forms.scan(inputs);
    const chunked = await forms.chunked(inputs, COST_CHUNK);
    const point: CostPoint = {
      length,
      scanMs: await medianMs(() => forms.scan(inputs), repeats),
      chunkedMs: await medianMs(() => forms.chunked(inputs, COST_CHUNK), repeats),
      chunkedGap: maxAbsDifference(chunked, scanned),
    };
    if (length <= QUADRATIC_MAX) {
      point.quadraticGap = maxAbsDifference(await forms.quadratic(inputs), scanned);
      point.quadraticMs = await medianMs(() => forms.quadratic(inputs), repeats);
    }
    points.push(point);
    onPoint(point);
  }
  return points;
}
