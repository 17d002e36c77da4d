/**
 * Tensors as JSON: `{"shape": [...], "data": [row-major numbers]}`, the form of the golden files and
 * of the CLI's output.
 */
import { check } from "./errors.js";

export interface JsonTensor {
  shape: number[];
  data: number[];
}

/** Reads field `name` of `record` as a tensor, checking that data has prod(shape) finite numbers. */
export function readJsonTensor(record: Record<string, unknown>, name: string, context: string): { shape: number[]; data: Float64Array } {
  const value = record[name];
  check(value !== undefined, `${context}: missing "${name}"`);
  check(isObject(value), `${context}: "${name}" must be an object {"shape": [...], "data": [...]}`);
  const { shape, data } = value;
  check(
    Array.isArray(shape) && shape.every((s) => Number.isInteger(s) && s >= 0),
    `${context}: "${name}.shape" must be a list of non-negative integers`,
  );
  check(Array.isArray(data), `${context}: "${name}.data" must be a list of numbers`);
  const size = (shape as number[]).reduce((p, s) => p * s, 1);
  check(data.length === size, `${context}: "${name}" has ${data.length} values but shape [${shape.join(", ")}] needs ${size}`);
  check(
    data.every((v) => typeof v === "number" && Number.isFinite(v)),
    `${context}: "${name}.data" must hold only finite numbers`,
  );
  return { shape: shape as number[], data: Float64Array.from(data as number[]) };
}

/** The JSON form of a flat buffer with the given shape. */
export function toJsonTensor(shape: number[], data: ArrayLike<number>): JsonTensor {
  return { shape, data: Array.from(data) };
}

/** Whether `value` is a plain JSON object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
