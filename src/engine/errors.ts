/**
 * The one error type the engine throws for bad input (a malformed checkpoint, a shape mismatch, a
 * token outside the vocabulary). Its message is a single line that names the problem, so the CLI and
 * the pages can show it as is; anything else that escapes is a bug, not bad input.
 */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineError";
  }
}

/** Throws an EngineError with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new EngineError(message);
}
