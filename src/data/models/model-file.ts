/**
 * Shared by the data loaders in `[model]/`: Framework runs `[model]/config.json.ts` with
 * `--model=NAME` when a page asks for `data/models/NAME/config.json`, and the loader copies
 * `data/models/NAME/config.json` of the repository to stdout. So the committed weights stay in one
 * place (data/, outside Framework's root) and pages still load them with FileAttachment.
 * Framework caches a loader's output until the loader file itself changes, so after retraining a
 * model run `rm -rf src/.observablehq/cache/data/models` before building (the browser tests compare
 * the page with data/models/ and fail on a stale copy).
 */
import { createReadStream, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const MODELS = resolve(import.meta.dirname, "../../../data/models");

/** Streams data/models/<--model>/<fileName> to stdout; exits with a one-line message if it is missing. */
export function emitModelFile(fileName: string): void {
  const { values } = parseArgs({ options: { model: { type: "string" } } });
  const model = values.model ?? "";
  // The name becomes a path: only plain folder names, never "..".
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(model) || model.includes("..")) {
    process.stderr.write(`model loader: invalid model name ${JSON.stringify(model)}\n`);
    process.exit(1);
  }
  const path = join(MODELS, model, fileName);
  if (!existsSync(path)) {
    process.stderr.write(`model loader: ${path} does not exist (train or copy the model into data/models/${model}/ first)\n`);
    process.exit(1);
  }
  createReadStream(path).pipe(process.stdout);
}
