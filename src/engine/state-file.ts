/**
 * The Mamba state file (src/math.md#state-file; format in docs/state-file.md): a model's decoding state — per layer the conv window
 * (d_conv − 1, d_inner) and h (d_inner, d_state) — saved as a safetensors file, so any safetensors
 * tool can open it. The header's `__metadata__` says what it is and which model it belongs to:
 *   format "mamba-state", version "1", n_layer, d_model, d_inner, d_state, d_conv, vocab_size,
 *   model_fingerprint (hex, see `modelFingerprint`), tokens (JSON array of the ids that produced it).
 * Tensors: `layers.{i}.conv_window` and `layers.{i}.ssm_state`, float64 (exact round trip; F32 is
 * accepted on reading). Reading validates everything and throws EngineError naming the problem.
 */
import type { BlockState } from "./block.js";
import { EngineError, check } from "./errors.js";
import type { LmState } from "./model.js";
import { readSafetensors, writeSafetensors, type TensorToWrite } from "./safetensors.js";
import type { MambaModel, Numbers } from "./types.js";

export const STATE_FORMAT = "mamba-state";
export const STATE_VERSION = "1";
/** Files larger than this are refused before being read (a 24-layer, 1536-channel state is ~5 MB). */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

/** A state and where it came from. */
export interface SavedState {
  state: LmState;
  /** The token ids the model read to reach this state. */
  tokens: number[];
}

/**
 * FNV-1a (32 bit) over the config and the float32 bits of every layer's A_log, D and dt bias and of
 * norm_f: small tensors that differ between any two trained checkpoints, so a state is not loaded
 * into a model it does not belong to.
 */
export function modelFingerprint(model: MambaModel): string {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  const { config } = model;
  for (const char of JSON.stringify([config.dModel, config.dInner, config.dState, config.convWidth, config.numLayers, config.vocabSize])) mix(char.charCodeAt(0));
  const mixValues = (values: Numbers) => new Uint8Array(Float32Array.from(values).buffer).forEach(mix);
  model.layers.forEach(({ mixer }) => [mixer.ALog, mixer.D, mixer.dtProjBias].forEach(mixValues));
  mixValues(model.normF);
  return hash.toString(16).padStart(8, "0");
}

function metadataFor(model: MambaModel, tokens: readonly number[]): Record<string, string> {
  const { numLayers, dModel, dInner, dState, convWidth, vocabSize } = model.config;
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    n_layer: String(numLayers),
    d_model: String(dModel),
    d_inner: String(dInner),
    d_state: String(dState),
    d_conv: String(convWidth),
    vocab_size: String(vocabSize),
    model_fingerprint: modelFingerprint(model),
    tokens: JSON.stringify(tokens),
  };
}

/** Serialises `saved` (the state of `model`) to the bytes of a state file. */
export function writeStateFile(model: MambaModel, saved: SavedState): Uint8Array {
  const { dInner, dState, convWidth } = model.config;
  const tensors: Record<string, TensorToWrite> = {};
  saved.state.forEach((layer, i) => {
    tensors[`layers.${i}.conv_window`] = { shape: [convWidth - 1, dInner], data: layer.convWindow, dtype: "F64" };
    tensors[`layers.${i}.ssm_state`] = { shape: [dInner, dState], data: layer.h, dtype: "F64" };
  });
  return writeSafetensors(tensors, metadataFor(model, saved.tokens));
}

/** Parses a state file for `model`; throws EngineError with a one-line message on anything wrong. */
export function readStateFile(model: MambaModel, bytes: Uint8Array, label = "state file"): SavedState {
  check(bytes.length <= MAX_STATE_FILE_BYTES, `${label}: ${bytes.length} bytes is more than the ${MAX_STATE_FILE_BYTES} a state file may have`);
  const file = readSafetensors(bytes, label);
  const meta = file.metadata;
  check(meta.format === STATE_FORMAT, `${label}: not a Mamba state file (metadata "format" is ${shown(meta.format)}, expected "${STATE_FORMAT}")`);
  check(meta.version === STATE_VERSION, `${label}: version ${shown(meta.version)} is not supported (this page reads version ${STATE_VERSION})`);
  const expected = metadataFor(model, []);
  for (const key of ["n_layer", "d_model", "d_inner", "d_state", "d_conv", "vocab_size"]) {
    check(meta[key] === expected[key], `${label}: saved from a model with ${key} = ${meta[key] ?? "(missing)"}, but the loaded model has ${key} = ${expected[key]}`);
  }
  check(
    meta.model_fingerprint === expected.model_fingerprint,
    `${label}: saved from a different checkpoint (fingerprint ${meta.model_fingerprint ?? "(missing)"}, the loaded model's is ${expected.model_fingerprint})`,
  );
  const tokens = parseTokens(meta.tokens, model.config.vocabSize, label);
  const { numLayers, dInner, dState, convWidth } = model.config;
  const names = new Set(file.tensors.keys());
  const take = (name: string, shape: number[]): Float64Array => {
    const entry = file.tensors.get(name);
    check(entry !== undefined, `${label}: missing tensor ${name}`);
    names.delete(name);
    check(entry.dtype === "F64" || entry.dtype === "F32", `${label}: tensor ${name} is ${entry.dtype}; a state must be F64 or F32`);
    check(
      entry.shape.length === shape.length && entry.shape.every((s, i) => s === shape[i]),
      `${label}: tensor ${name} has shape [${entry.shape.join(", ")}], expected [${shape.join(", ")}]`,
    );
    const values = Float64Array.from(entry.decode());
    check(values.every(Number.isFinite), `${label}: tensor ${name} holds a NaN or infinite value`);
    return values;
  };
  const state: BlockState[] = Array.from({ length: numLayers }, (_, i) => ({
    convWindow: take(`layers.${i}.conv_window`, [convWidth - 1, dInner]),
    h: take(`layers.${i}.ssm_state`, [dInner, dState]),
  }));
  check(names.size === 0, `${label}: unexpected tensor ${[...names][0]}`);
  return { state, tokens };
}

/** A metadata value for a message: quoted, or "missing" (a bit flip can rename a key). */
function shown(value: string | undefined): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

function parseTokens(raw: string | undefined, vocabSize: number, label: string): number[] {
  let tokens: unknown;
  try {
    tokens = JSON.parse(raw ?? "");
  } catch {
    throw new EngineError(`${label}: metadata "tokens" is not a JSON array`);
  }
  check(
    Array.isArray(tokens) && tokens.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize),
    `${label}: metadata "tokens" must be a JSON array of token ids below ${vocabSize}`,
  );
  return tokens as number[];
}
