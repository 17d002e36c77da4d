/**
 * Readers' overrides of the scan's Δ, A, B, C (types.ts ScanOverrides): every element becomes
 * (set is NaN or absent ? computed : set) × (scale ?? 1).
 */
import { check } from "./errors.js";
import type { Perturbation, ScanOverrides, SelectiveScanInputs } from "./types.js";

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

/**
 * A scan case (golden layout: Δ (batch, channels, length), B and C (batch, state, length)) with readers'
 * overrides applied; overrides are token-major as everywhere (types.ts ScanOverrides: Δ (length, channels),
 * A (channels, state), B and C (length, state)), shared by the batch rows.
 */
export function applyScanOverrides(inputs: SelectiveScanInputs, overrides: ScanOverrides = {}): SelectiveScanInputs {
  const { channels, length, state } = inputs;
  const apply = (values: ArrayLike<number>, perturbation: Perturbation | undefined, overrideIndex: (i: number) => number, name: string, size: number) => {
    if (!perturbation) return values as SelectiveScanInputs["u"];
    for (const part of ["set", "scale"] as const) {
      const given = perturbation[part];
      check(given === undefined || given.length === size, `override ${name}.${part} has ${given?.length} values, expected ${size}`);
    }
    return Float64Array.from({ length: values.length }, (_, i) => {
      const k = overrideIndex(i);
      const set = perturbation.set?.[k];
      return (set === undefined || Number.isNaN(set) ? values[i] : set) * (perturbation.scale?.[k] ?? 1);
    });
  };
  // Golden index (batch, rows, length) → override index (length, rows).
  const tokenMajor = (rows: number) => (i: number) => (i % length) * rows + (Math.floor(i / length) % rows);
  return {
    ...inputs,
    delta: apply(inputs.delta, overrides.delta, tokenMajor(channels), "delta", length * channels),
    A: apply(inputs.A, overrides.A, (i) => i, "A", channels * state),
    B: apply(inputs.B, overrides.B, tokenMajor(state), "B", length * state),
    C: apply(inputs.C, overrides.C, tokenMajor(state), "C", length * state),
  };
}
