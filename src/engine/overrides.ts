/**
 * Readers' overrides of the scan's Δ, A, B, C (types.ts ScanOverrides): every element becomes
 * (set is NaN or absent ? computed : set) × (scale ?? 1).
 */
import { check } from "./errors.js";
import type { Perturbation } from "./types.js";

/**
 * Applies `perturbation` (shape `shapeLabel`, `perRow` elements) to every one of the rows of
 * `computed` (rows · perRow), shared by all rows (batch rows share one override). Returns a new buffer.
 */
export function applyPerturbation(
  computed: Float64Array,
  perturbation: Perturbation | undefined,
  perRow: number,
  name: string,
  shapeLabel: string,
): Float64Array {
  if (!perturbation) return computed;
  const { set, scale } = perturbation;
  for (const [part, values] of [["set", set], ["scale", scale]] as const) {
    check(
      values === undefined || values.length === perRow,
      `override ${name}.${part} has ${values?.length} values, expected ${perRow} (${shapeLabel})`,
    );
  }
  const result = new Float64Array(computed.length);
  for (let i = 0; i < computed.length; i++) {
    const k = i % perRow;
    const chosen = set === undefined || Number.isNaN(set[k]) ? computed[i] : set[k];
    result[i] = chosen * (scale === undefined ? 1 : scale[k]);
  }
  return result;
}
