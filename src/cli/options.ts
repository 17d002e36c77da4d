/** Typed values of parsed command-line options (args.ts), with one-line messages for bad ones. */
import { check } from "../engine/errors.js";
import { requiredOption } from "./args.js";

/** The value of `--name` as an integer ≥ `minimum`, or `fallback` when absent. */
export function integerOption(options: Map<string, string[]>, name: string, minimum: number, fallback: number): number {
  if (!options.has(name)) return fallback;
  const text = requiredOption(options, name);
  const value = Number(text);
  check(/^\s*-?\d+\s*$/.test(text) && Number.isSafeInteger(value) && value >= minimum, `--${name} must be an integer ≥ ${minimum}, got ${JSON.stringify(text)}`);
  return value;
}
