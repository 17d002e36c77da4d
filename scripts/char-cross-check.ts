/**
 * `npm run data:cross-check`: bits per character of both character models on the first 20,000 characters of the
 * test split with the project's float64 engine — exactly `npm run --silent mamba -- eval --model DIR --text FILE`
 * (src/engine/char-lm.ts bitsPerCharacter, the recurrent step) — against PyTorch's values recorded by
 * train/export_char_models.py in test/fixtures/char-lm/<variant>.json. They must agree to 1e-4 absolute; the
 * result goes to data/models/char-<variant>/cross-check.json for the model cards. About 3 minutes per model.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { bitsPerCharacter } from "../src/engine/char-lm.ts";
import { loadCharModelDirectory } from "../src/cli/char-commands.ts";
import { readSplit } from "./corpus/splits.ts";

const ROOT = resolve(import.meta.dirname, "..");
export const CROSS_CHECK_CHARACTERS = 20_000;
export const CROSS_CHECK_TOLERANCE = 1e-4;

export interface CrossCheck {
  characters: number;
  engine: { bitsPerChar: number; how: string; seconds: number };
  pytorch: { bitsPerChar: Record<string, number>; how: string; transformers: string; torch: string };
  maxAbsDifference: number;
  tolerance: number;
  agrees: boolean;
}

function main(): void {
  const text = Array.from(readSplit("test")).slice(0, CROSS_CHECK_CHARACTERS).join("");
  let failed = false;
  for (const variant of ["selective", "lti"]) {
    const started = performance.now();
    const modelDir = `data/models/char-${variant}`;
    const fixture = JSON.parse(readFileSync(join(ROOT, "test/fixtures/char-lm", `${variant}.json`), "utf8"));
    const pytorch: Record<string, number> = fixture.test_first_20000.bits_per_character;
    const engine = bitsPerCharacter(loadCharModelDirectory(join(ROOT, modelDir)), text);
    const difference = Math.max(...Object.values(pytorch).map((value) => Math.abs(engine.bitsPerChar - value)));
    const result: CrossCheck = {
      characters: engine.chars,
      engine: { bitsPerChar: engine.bitsPerChar, how: "the recurrent step, as mamba eval --text runs it", seconds: (performance.now() - started) / 1000 },
      pytorch: { bitsPerChar: pytorch, how: fixture.source, transformers: fixture.transformers, torch: fixture.torch },
      maxAbsDifference: difference,
      tolerance: CROSS_CHECK_TOLERANCE,
      agrees: difference <= CROSS_CHECK_TOLERANCE,
    };
    writeFileSync(join(ROOT, modelDir, "cross-check.json"), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`char-${variant}: engine ${engine.bitsPerChar.toFixed(8)}, PyTorch ${Object.entries(pytorch).map(([k, v]) => `${k} ${v.toFixed(8)}`).join(", ")}: |Δ| ≤ ${difference.toExponential(2)} (${result.agrees ? "agrees" : "DISAGREES"})`);
    failed ||= !result.agrees;
  }
  if (failed) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
