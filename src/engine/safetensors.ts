/**
 * safetensors, from and to bytes (so the browser can read a dropped file): an 8-byte little-endian
 * header length n, n bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?}`,
 * then the little-endian tensor data, offsets relative to its start. Every size is checked against
 * the bytes actually present before anything is allocated or decoded.
 */
import { EngineError, check } from "./errors.js";
import { isObject } from "./tensor-json.js";
import type { Numbers } from "./types.js";

export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16";

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** One tensor of a file; `decode` converts its bytes (F64 → Float64Array, others → Float32Array, exactly). */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  decode(): Numbers;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** Parses the header and validates every entry; `label` names the file in error messages. */
export function readSafetensors(bytes: Uint8Array, label = "safetensors"): SafetensorsFile {
  check(bytes.length >= 8, `${label}: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredLength = view.getBigUint64(0, true);
  check(
    declaredLength <= BigInt(bytes.length - 8),
    `${label}: header length ${declaredLength} is larger than the ${bytes.length - 8} bytes after the length field (truncated or not a safetensors file)`,
  );
  const headerLength = Number(declaredLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new EngineError(`${label}: header is not valid JSON (not a safetensors file?)`);
  }
  check(isObject(header), `${label}: header must be a JSON object`);
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = isObject(info) ? (info as Record<string, string>) : {};
      continue;
    }
    tensors.set(name, readEntry(name, info, data, label));
  }
  return { tensors, metadata };
}

/** A header value as a message shows it; a missing field reads "missing", not "undefined". */
function shown(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

function readEntry(name: string, info: unknown, data: Uint8Array, label: string): SafetensorsEntry {
  check(isObject(info), `${label}: tensor ${name} has no {dtype, shape, data_offsets} entry`);
  const { dtype, shape, data_offsets: offsets } = info;
  check(
    typeof dtype === "string" && dtype in BYTES_PER_ELEMENT,
    `${label}: tensor ${name} has unknown dtype ${shown(dtype)} (supported: F32, F16, BF16, F64)`,
  );
  check(
    Array.isArray(shape) && shape.every((s) => Number.isInteger(s) && s >= 0),
    `${label}: tensor ${name} has a malformed shape ${shown(shape)}`,
  );
  check(
    Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => Number.isInteger(o) && o >= 0) && offsets[0] <= offsets[1],
    `${label}: tensor ${name} has malformed data_offsets ${shown(offsets)}`,
  );
  const [begin, end] = offsets as [number, number];
  check(
    end <= data.length,
    `${label}: tensor ${name} ends at byte ${end} but the data section has only ${data.length} bytes (file truncated?)`,
  );
  const typed = dtype as SafetensorsDtype;
  const count = (shape as number[]).reduce((p, s) => p * s, 1);
  check(
    end - begin === count * BYTES_PER_ELEMENT[typed],
    `${label}: tensor ${name} has ${end - begin} bytes but shape [${shape.join(", ")}] of ${typed} needs ${count * BYTES_PER_ELEMENT[typed]}`,
  );
  return { dtype: typed, shape: shape as number[], decode: () => decode(typed, data.subarray(begin, end), count) };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): Numbers {
  // Fast path: on a little-endian host a copy of the bytes already is the array. The copy is made
  // with the Uint8Array constructor because a Node Buffer's slice() shares memory.
  if (LITTLE_ENDIAN_HOST && dtype === "F32") return new Float32Array(new Uint8Array(bytes).buffer);
  if (LITTLE_ENDIAN_HOST && dtype === "F64") return new Float64Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === "F64") {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat64(8 * i, true);
    return values;
  }
  const values = new Float32Array(count);
  if (dtype === "F32") for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, true);
  if (dtype === "F16") for (let i = 0; i < count; i++) values[i] = halfToFloat(view.getUint16(2 * i, true));
  if (dtype === "BF16") {
    const bits = new Uint32Array(values.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  }
  return values;
}

/** IEEE binary16 bits → number (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** number → IEEE binary16 bits, rounding to nearest even (overflow → ±Infinity). */
export function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  // Subnormals are multiples of 2^-24; normals carry 10 fraction bits below their leading one.
  let exponent = Math.floor(Math.log2(magnitude || 1));
  // log2 may round across a power of two; settle 2^exponent ≤ magnitude < 2^(exponent+1) exactly.
  if (2 ** exponent > magnitude) exponent -= 1;
  if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  exponent = Math.max(exponent, -14);
  const quantum = 2 ** (exponent - 10);
  let steps = roundHalfEven(magnitude / quantum);
  let biased = exponent + 15;
  if (magnitude < 2 ** -14) return sign | steps;
  if (steps === 2048) {
    steps = 1024;
    biased += 1;
  }
  if (biased >= 0x1f) return sign | 0x7c00;
  return sign | (biased << 10) | (steps - 1024);
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/** float32 bits → bfloat16 bits, rounding to nearest even. */
function floatToBfloat16(value: number): number {
  const bits = new Uint32Array(Float32Array.of(value).buffer)[0];
  if (Number.isNaN(value)) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export interface TensorToWrite {
  shape: number[];
  data: ArrayLike<number>;
  dtype?: SafetensorsDtype;
}

/** Serialises tensors (default dtype F32) in the given order; the header is padded with spaces to 8 bytes. */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const dtype = tensor.dtype ?? "F32";
    const count = tensor.shape.reduce((p, s) => p * s, 1);
    check(tensor.data.length === count, `writeSafetensors: ${name} has ${tensor.data.length} values for shape [${tensor.shape.join(", ")}]`);
    const size = count * BYTES_PER_ELEMENT[dtype];
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const tensor of Object.values(tensors)) {
    const dtype = tensor.dtype ?? "F32";
    for (let i = 0; i < tensor.data.length; i++) {
      const v = tensor.data[i];
      if (dtype === "F64") view.setFloat64(at, v, true);
      else if (dtype === "F32") view.setFloat32(at, v, true);
      else if (dtype === "F16") view.setUint16(at, floatToHalf(v), true);
      else view.setUint16(at, floatToBfloat16(v), true);
      at += BYTES_PER_ELEMENT[dtype];
    }
  }
  return bytes;
}
