/**
 * The selective scan (S6) in float64, in the layout of the official CUDA kernel and of the golden
 * scan cases (src/math.md#selective-scan): for every batch row b, channel c and state n,
 *   h_t = Ā_t[c,n] h_{t−1} + B̄_t[c,n] u_t[c],   (Ā, B̄) = discretise(rule, A[c,n], B_t[n], Δ_t[c])
 *   y_t[c] = Σ_n C_t[n] h_t[c,n],   yGated_t[c] = (y_t[c] + D[c] u_t[c]) · SiLU(z_t[c]).
 * Rule "mamba" (Ā = e^{ΔA}, B̄ = ΔB) is what checkpoints are trained with; "zoh", "euler" and "bilinear"
 * are the other rules of src/math.md#discretisation. This is the reference the GPU kernels are tested against.
 */
import { silu } from "./activations.js";
import { DISCRETISATION_RULES, discreteDecay, inputScale } from "./discretise.js";
import { check } from "./errors.js";
import type { Numbers, SelectiveScanInputs, SelectiveScanOutputs } from "./types.js";

/** Everything the scan computes for every token: Ā, B̄ (without u) and h, each (batch, channels, length, state). */
export interface SelectiveScanTrace extends SelectiveScanOutputs {
  aBar: Float64Array;
  bBar: Float64Array;
  states: Float64Array;
}

/** Throws an EngineError naming the first buffer whose length does not match the declared sizes. */
export function checkScanInputs(inputs: SelectiveScanInputs): void {
  const { batch, channels, length, state } = inputs;
  for (const [name, size] of Object.entries({ batch, channels, length, state })) {
    check(Number.isInteger(size) && size >= 0, `scan: ${name} must be a non-negative integer, got ${size}`);
  }
  check(DISCRETISATION_RULES.includes(inputs.rule), `scan: rule must be one of ${DISCRETISATION_RULES.join(", ")}, got ${JSON.stringify(inputs.rule)}`);
  const expected: [string, Numbers | undefined, number[]][] = [
    ["u", inputs.u, [batch, channels, length]],
    ["delta", inputs.delta, [batch, channels, length]],
    ["A", inputs.A, [channels, state]],
    ["B", inputs.B, [batch, state, length]],
    ["C", inputs.C, [batch, state, length]],
    ["D", inputs.D, [channels]],
    ["z", inputs.z, [batch, channels, length]],
  ];
  for (const [name, values, shape] of expected) {
    const optional = name === "D" || name === "z";
    if (values === undefined && optional) continue;
    check(values !== undefined, `scan: ${name} is missing`);
    const size = shape.reduce((p, s) => p * s, 1);
    check(
      values.length === size,
      `scan: ${name} has ${values.length} values, expected ${size} for shape (${shape.join(", ")})`,
    );
  }
}

/** Runs the scan; returns y before skip and gate, yGated after them, and the final state. */
export function selectiveScan(inputs: SelectiveScanInputs): SelectiveScanOutputs {
  return runScan(inputs, false);
}

/** Runs the scan and also keeps Ā, B̄ and h for every token (memory: 3 · batch · channels · length · state). */
export function selectiveScanTrace(inputs: SelectiveScanInputs): SelectiveScanTrace {
  return runScan(inputs, true) as SelectiveScanTrace;
}

function runScan(inputs: SelectiveScanInputs, keepTrace: boolean): SelectiveScanOutputs | SelectiveScanTrace {
  checkScanInputs(inputs);
  const { batch, channels, length: L, state: N, u, delta, A, B, C, D, z, rule } = inputs;
  const yGated = new Float64Array(batch * channels * L);
  const yBeforeSkip = new Float64Array(batch * channels * L);
  const finalState = new Float64Array(batch * channels * N);
  const traceSize = keepTrace ? batch * channels * L * N : 0;
  const aBarAll = new Float64Array(traceSize);
  const bBarAll = new Float64Array(traceSize);
  const statesAll = new Float64Array(traceSize);
  const h = new Float64Array(N);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      h.fill(0);
      const row = (b * channels + c) * L;
      for (let t = 0; t < L; t++) {
        const dt = delta[row + t];
        const x = u[row + t];
        let y = 0;
        for (let n = 0; n < N; n++) {
          const a = A[c * N + n];
          const aBar = discreteDecay(rule, a, dt);
          const bBar = inputScale(rule, a, dt) * B[(b * N + n) * L + t];
          h[n] = aBar * h[n] + bBar * x;
          y += C[(b * N + n) * L + t] * h[n];
          if (keepTrace) {
            const at = (row + t) * N + n;
            aBarAll[at] = aBar;
            bBarAll[at] = bBar;
            statesAll[at] = h[n];
          }
        }
        yBeforeSkip[row + t] = y;
        const skipped = y + (D ? D[c] * x : 0);
        yGated[row + t] = z ? skipped * silu(z[row + t]) : skipped;
      }
      finalState.set(h, (b * channels + c) * N);
    }
  }
  const outputs = { y: yBeforeSkip, yGated, finalState };
  return keepTrace ? { ...outputs, aBar: aBarAll, bBar: bBarAll, states: statesAll } : outputs;
}
