/**
 * `npm run data:samples`: samples of both character models at a few temperatures from fixed prompts and seeds,
 * and the share of the generated words that occur in the training split, written to
 * data/models/char-<variant>/samples.json for the model cards.
 *
 * Each sample is exactly what `npm run --silent mamba -- generate --model DIR --prompt P --tokens N
 * --temperature T --seed S` prints (the same engine function, src/engine/char-lm.ts generate; no top-k).
 * Words (wordsOf): the text split at whitespace and at "--" (the corpus's dash), punctuation stripped from both
 * ends of each piece, lower-cased; pieces with no letter are dropped. The training split's words are made the
 * same way. The last word of a sample is dropped, since generation stops in the middle of it.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { generate } from "../src/engine/char-lm.ts";
import { loadCharModelDirectory } from "../src/cli/char-commands.ts";
import { readSplit } from "./corpus/splits.ts";

const ROOT = resolve(import.meta.dirname, "..");
export const PROMPTS = ["The president said that", "Call me Ishmael. Some years ago", "It was a cold morning in", "Mr. Speaker, the state of the Union"];
export const TEMPERATURES = [0.5, 0.8, 1.0];
/** The temperature whose word share the card reports against the ≥ 80% target. */
export const WORD_SHARE_TEMPERATURE = 0.8;
const TOKENS = 400;
const SEED = 1;

/** The words of `text` as defined above, in order. */
export function wordsOf(text: string): string[] {
  return text
    .split(/\s+|--/)
    .map((piece) => piece.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "").toLowerCase())
    .filter((word) => /[a-z]/.test(word));
}

export interface Sample {
  prompt: string;
  temperature: number;
  seed: number;
  tokens: number;
  command: string;
  text: string;
}

export interface WordShare {
  temperature: number;
  words: number;
  inTraining: number;
  share: number;
  /** The distinct words not found, in order of appearance. */
  notFound: string[];
}

/** The share of the samples' words (each sample's last, unfinished word dropped) found in `vocabulary`. */
export function wordShare(samples: readonly Sample[], vocabulary: ReadonlySet<string>, temperature: number): WordShare {
  const words = samples.filter((sample) => sample.temperature === temperature).flatMap((sample) => wordsOf(sample.text).slice(0, -1));
  const missing = words.filter((word) => !vocabulary.has(word));
  return { temperature, words: words.length, inTraining: words.length - missing.length, share: (words.length - missing.length) / words.length, notFound: [...new Set(missing)] };
}

export interface SamplesFile {
  model: string;
  engine: string;
  words: string;
  trainingVocabulary: number;
  wordShareTemperature: number;
  wordShares: WordShare[];
  seconds: number;
  samples: Sample[];
}

function main(): void {
  const vocabulary = new Set(wordsOf(readSplit("train")));
  for (const variant of ["selective", "lti"]) {
    const started = performance.now();
    const modelDir = `data/models/char-${variant}`;
    const charModel = loadCharModelDirectory(join(ROOT, modelDir));
    const samples: Sample[] = TEMPERATURES.flatMap((temperature) =>
      PROMPTS.map((prompt) => ({
        prompt,
        temperature,
        seed: SEED,
        tokens: TOKENS,
        command: `npm run --silent mamba -- generate --model ${modelDir} --prompt ${JSON.stringify(prompt)} --tokens ${TOKENS} --temperature ${temperature} --seed ${SEED}`,
        text: generate(charModel, prompt, { tokens: TOKENS, temperature, seed: SEED }),
      })),
    );
    const shares = TEMPERATURES.map((temperature) => wordShare(samples, vocabulary, temperature));
    const file: SamplesFile = {
      model: modelDir,
      engine: "float64 reference, recurrent step (src/engine/char-lm.ts generate)",
      words: "split at whitespace and \"--\", punctuation stripped from both ends, lower-cased, pieces without a letter dropped, each sample's last word dropped; the training split's words made the same way",
      trainingVocabulary: vocabulary.size,
      wordShareTemperature: WORD_SHARE_TEMPERATURE,
      wordShares: shares,
      seconds: (performance.now() - started) / 1000,
      samples,
    };
    writeFileSync(join(ROOT, modelDir, "samples.json"), `${JSON.stringify(file, null, 2)}\n`);
    console.log(`char-${variant}: ${shares.map((s) => `T ${s.temperature}: ${(100 * s.share).toFixed(1)}% of ${s.words} words`).join(", ")} (${file.seconds.toFixed(0)} s)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
