/**
 * `npm run data:delta`: Δ by character class (src/engine/char-classes.ts) for both character models on the
 * validation split, written to data/models/char-<variant>/delta-by-class.json for the model cards and the pages.
 *
 * The float64 reference (lmForward) reads PIECES pieces of WARM_UP + COUNTED characters, spread evenly over the
 * validation split (all three sources); each starts from the zero state, so the first WARM_UP characters of a
 * piece only build context and are not counted. For every layer, Δ (length, dInner) of the counted characters
 * goes into one table, whose per-channel medians define "above median".
 *   npm run data:delta [-- --pieces 100] [--variant selective|lti]
 * Without --variant both models run at once, one process each (about 4 minutes of one core per model).
 */
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { characterClasses, deltaByClass, type CharacterClass, type DeltaOfClass } from "../src/engine/char-classes.ts";
import { lmForward } from "../src/engine/model.ts";
import { loadCharModelDirectory } from "../src/cli/char-commands.ts";
import { readSplit } from "./corpus/splits.ts";

const ROOT = resolve(import.meta.dirname, "..");
const WARM_UP = 64;
const COUNTED = 512;

export interface DeltaByClassFile {
  model: string;
  split: "validation";
  method: string;
  pieces: number;
  charactersPerPiece: { warmUp: number; counted: number };
  characters: number;
  seconds: number;
  layers: {
    layer: number;
    meanDelta: number;
    /** max over channels of (largest − smallest Δ of the channel over the counted characters): 0 when Δ is constant */
    maxChannelSpread: number;
    classes: DeltaOfClass[];
  }[];
}

/** max over columns of (max − min of the column) for values (rows, columns). */
export function maxColumnSpread(values: ArrayLike<number>, rows: number, columns: number): number {
  let spread = 0;
  for (let c = 0; c < columns; c++) {
    let low = Infinity;
    let high = -Infinity;
    for (let t = 0; t < rows; t++) {
      low = Math.min(low, values[t * columns + c]);
      high = Math.max(high, values[t * columns + c]);
    }
    spread = Math.max(spread, high - low);
  }
  return spread;
}

/** The start of every piece: `pieces` windows of `span` characters spread evenly over `total`. */
export function pieceStarts(total: number, pieces: number, span: number): number[] {
  return Array.from({ length: pieces }, (_, i) => Math.floor((i * (total - span)) / Math.max(1, pieces - 1)));
}

function analyse(variant: string, characters: string[], pieces: number): DeltaByClassFile {
  const started = performance.now();
  const modelDir = join(ROOT, "data/models", `char-${variant}`);
  const { model, tokenizer } = loadCharModelDirectory(modelDir);
  const { numLayers, dInner } = model.config;
  const span = WARM_UP + COUNTED;
  const deltas = Array.from({ length: numLayers }, () => new Float32Array(pieces * COUNTED * dInner));
  const classes: (CharacterClass | undefined)[] = [];
  for (const [p, start] of pieceStarts(characters.length, pieces, span).entries()) {
    const piece = characters.slice(start, start + span);
    const { ids } = tokenizer.encode(piece.join(""));
    // The class of a counted character looks back at most two characters, all inside the piece.
    classes.push(...characterClasses(piece).slice(WARM_UP));
    const { layers } = lmForward(model, [ids]);
    layers.forEach((layer, i) => deltas[i].set(layer.delta.subarray(WARM_UP * dInner), p * COUNTED * dInner));
  }
  const layers = deltas.map((delta, layer) => ({
    layer,
    meanDelta: delta.reduce((sum, value) => sum + value, 0) / delta.length,
    maxChannelSpread: maxColumnSpread(delta, classes.length, dInner),
    classes: deltaByClass(delta, classes, dInner),
  }));
  return {
    model: `data/models/char-${variant}`,
    split: "validation",
    method: "float64 reference (src/engine/model.ts lmForward) on pieces spread evenly over the split, each from the zero state; " +
      "per layer: the mean over a class's characters of the channel-mean Δ, and of the share of channels whose Δ is above that channel's median over all counted characters (src/engine/char-classes.ts)",
    pieces,
    charactersPerPiece: { warmUp: WARM_UP, counted: COUNTED },
    characters: classes.length,
    seconds: (performance.now() - started) / 1000,
    layers,
  };
}

const option = (name: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};

/** One variant in this process; without --variant, both at once in two child processes (one a core). */
async function main(): Promise<void> {
  const pieces = Number(option("pieces") ?? 100);
  const variant = option("variant");
  if (variant === undefined) {
    const children = ["selective", "lti"].map((name) => fork(import.meta.filename, ["--variant", name, "--pieces", String(pieces)]));
    const codes = await Promise.all(children.map((child) => new Promise<number>((done) => child.on("exit", (code) => done(code ?? 1)))));
    process.exitCode = Math.max(...codes);
    return;
  }
  const result = analyse(variant, Array.from(readSplit("validation")), pieces);
  writeFileSync(join(ROOT, result.model, "delta-by-class.json"), `${JSON.stringify(result, null, 2)}\n`);
  const lines = result.layers.map(({ layer, classes }) =>
    `  layer ${layer}: ${classes.map((entry) => `${entry.class} ${entry.meanDelta.toFixed(4)} (${(100 * entry.shareAboveMedian).toFixed(0)}%)`).join(", ")}`);
  console.log([`char-${variant}: ${result.characters} characters in ${result.seconds.toFixed(0)} s`, ...lines].join("\n"));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
