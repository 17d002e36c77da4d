/**
 * Scan cases in the format of the golden `scan/*.json`: `u, delta` and optional `z` (batch, channels,
 * length); `A` (channels, state); `B, C` (batch, state, length); optional `D` (channels); optional
 * `rule` ("mamba" by default). Outputs, if present, are ignored here.
 */
import { check } from "./errors.js";
import { createRandom } from "./random.js";
import { isObject, readJsonTensor, toJsonTensor, type JsonTensor } from "./tensor-json.js";
import type { BRule, SelectiveScanInputs, SelectiveScanOutputs } from "./types.js";

/** Parses a scan case and checks that all shapes agree; throws EngineError naming the first mismatch. */
export function parseScanCase(json: unknown): SelectiveScanInputs {
  const context = "scan case";
  check(isObject(json), `${context}: expected a JSON object`);
  const rule = json.rule ?? "mamba";
  check(rule === "mamba" || rule === "zoh", `${context}: "rule" must be "mamba" or "zoh", got ${JSON.stringify(rule)}`);
  const u = readJsonTensor(json, "u", context);
  check(u.shape.length === 3, `${context}: "u" must have shape (batch, channels, length), got [${u.shape.join(", ")}]`);
  const [batch, channels, length] = u.shape;
  const A = readJsonTensor(json, "A", context);
  check(A.shape.length === 2, `${context}: "A" must have shape (channels, state), got [${A.shape.join(", ")}]`);
  const state = A.shape[1];
  const expect = (name: string, shape: number[], optional = false) => {
    if (optional && json[name] === undefined) return undefined;
    const tensor = readJsonTensor(json, name, context);
    check(
      tensor.shape.length === shape.length && tensor.shape.every((s, i) => s === shape[i]),
      `${context}: "${name}" has shape [${tensor.shape.join(", ")}], expected [${shape.join(", ")}]`,
    );
    return tensor.data;
  };
  return {
    batch,
    channels,
    length,
    state,
    u: u.data,
    delta: expect("delta", [batch, channels, length])!,
    A: expect("A", [channels, state])!,
    B: expect("B", [batch, state, length])!,
    C: expect("C", [batch, state, length])!,
    D: expect("D", [channels], true),
    z: expect("z", [batch, channels, length], true),
    rule,
  };
}

/** The outputs in the golden key names and `{shape, data}` form. */
export function scanOutputsToJson(inputs: SelectiveScanInputs, outputs: SelectiveScanOutputs): Record<string, JsonTensor> {
  const { batch, channels, length, state } = inputs;
  return {
    out: toJsonTensor([batch, channels, length], outputs.yGated),
    y_no_skip_no_gate: toJsonTensor([batch, channels, length], outputs.y),
    final_state: toJsonTensor([batch, channels, state], outputs.finalState),
  };
}

/**
 * A random scan case for checking a kernel against the float64 reference: Δ up to 2 and A down to −8
 * (decays from near 1 to e^−16), inputs of either sign, a gate when asked. Same sizes and seed, same case.
 */
export function randomScanCase(
  sizes: { batch: number; channels: number; length: number; state: number },
  rule: BRule,
  seed: number,
  withGate: boolean,
): SelectiveScanInputs {
  const { batch, channels, length, state } = sizes;
  const random = createRandom(seed);
  const draw = (size: number, low: number, high: number) => random.fill(size, () => random.uniformIn(low, high));
  return {
    batch,
    channels,
    length,
    state,
    u: draw(batch * channels * length, -2, 2),
    delta: draw(batch * channels * length, 0.001, 2),
    A: draw(channels * state, -8, -0.05),
    B: draw(batch * state * length, -1.5, 1.5),
    C: draw(batch * state * length, -1.5, 1.5),
    D: draw(channels, -1, 1),
    z: withGate ? draw(batch * channels * length, -3, 3) : undefined,
    rule,
  };
}
