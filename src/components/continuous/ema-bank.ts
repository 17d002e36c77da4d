/**
 * Diagonal A as a bank of exponential moving averages: mode n with a_n = −λ_n and b_n = λ_n obeys
 * h_n' = λ_n (x − h_n), so over a held input h_n(t + d) = e^{−λ_n d} h_n(t) + (1 − e^{−λ_n d}) x —
 * an EMA with weight 1 − e^{−λ_n d}. A preview of selectivity: on the "important" tokens time runs
 * `focus` times faster (Δ larger), so every average moves further toward them.
 */
import { discretise } from "../../engine/discretise.js";
import { TOKEN_DURATION, tokenValues } from "../../engine/signals.js";
import type { Series } from "../charts/line-plot.js";
import { formatNumber } from "../format.js";

export const EMA_TOKENS = 20;
export const EMA_MODES = 4;
const SUB_STEPS = 20;

/** λ_n = 3ⁿ / τ_slowest: time constants τ_slowest, τ/3, τ/9, τ/27. */
export function emaRates(slowest: number): number[] {
  return Array.from({ length: EMA_MODES }, (_, n) => 3 ** n / slowest);
}

/** The token stream's "important" tokens: every fifth, from token 1 (the ones near 1). */
export function isImportant(token: number): boolean {
  return token % 5 === 1;
}

/**
 * h_n(t) for each mode, exact (ZOH is exact for the held token values), SUB_STEPS samples per token;
 * on important tokens each sub-step lasts `focus` times longer. Returns series: input, then modes.
 */
export function emaSeries(slowest: number, focus: number): Series[] {
  const values = tokenValues(EMA_TOKENS);
  const rates = emaRates(slowest);
  const times = [0];
  const states = rates.map(() => [0]);
  const input = [values[0]];
  const subStep = TOKEN_DURATION / SUB_STEPS;
  for (let k = 0; k < EMA_TOKENS; k++) {
    const stretch = isImportant(k) ? focus : 1;
    const steps = rates.map((lambda) => discretise("zoh", -lambda, lambda, subStep * stretch));
    for (let j = 1; j <= SUB_STEPS; j++) {
      times.push(k * TOKEN_DURATION + j * subStep);
      input.push(values[k]);
      steps.forEach((step, n) => {
        const previous = states[n][states[n].length - 1];
        states[n].push(step.aBar * previous + step.bBar * values[k]);
      });
    }
  }
  const colors = ["#4e79a7", "#59a14f", "#f28e2c", "#e15759"];
  return [
    { name: "token stream x(t)", x: times, y: input, color: "#8c8c8c", dashed: true },
    ...rates.map((lambda, n) => ({ name: `EMA with τ = ${formatNumber(1 / lambda)} s`, x: times, y: states[n], color: colors[n] })),
  ];
}
