/** Node-only file reading for the CLI, with one-line messages instead of raw fs errors. */
import { readFileSync } from "node:fs";
import { EngineError } from "../engine/errors.js";

/** The bytes of `path`. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : String(code ?? error);
    throw new EngineError(`cannot read ${path}: ${reason}`);
  }
}

/** The parsed JSON content of `path`. */
export function readJson(path: string): unknown {
  const text = new TextDecoder().decode(readBytes(path));
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EngineError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}
