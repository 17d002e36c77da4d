/**
 * The model card of a character model, assembled from the files committed beside it — nothing in it is typed by
 * hand: config.json and the safetensors header (architecture), training-log.jsonl (recipe, device, versions, wall
 * time, throughput, results on the H200), data/corpus/prose/manifest.json (data and licences), and the results
 * of this repository's scripts: baselines.json (train/baselines.py, in char-selective), cross-check.json
 * (npm run data:cross-check), samples.json (npm run data:samples), delta-by-class.json (npm run data:delta) and
 * bench/results/char-model.json (npm run bench:char -- --write).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CharBenchResult } from "../../bench/char-model.ts";
import type { CrossCheck } from "../char-cross-check.ts";
import type { DeltaByClassFile } from "../char-delta.ts";
import type { SamplesFile } from "../char-samples.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const VARIANTS = ["selective", "lti"] as const;
export type Variant = (typeof VARIANTS)[number];
export const modelFolder = (variant: Variant) => `data/models/char-${variant}`;

const readJsonFile = <T>(path: string): T => {
  const full = join(ROOT, path);
  if (!existsSync(full)) throw new Error(`${path} is missing (see scripts/char-card/card.ts for the command that writes it)`);
  return JSON.parse(readFileSync(full, "utf8")) as T;
};

type LogEntry = Record<string, unknown> & { elapsed_s: number };

function readLog(variant: Variant): LogEntry[] {
  return readFileSync(join(ROOT, modelFolder(variant), "training-log.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
}

/** The one log entry with `key` equal to `value`. */
function entry<T>(log: LogEntry[], key: string, value: unknown): LogEntry & T {
  const found = log.find((e) => e[key] === value);
  if (!found) throw new Error(`training log: no entry with ${key} = ${JSON.stringify(value)}`);
  return found as LogEntry & T;
}

/** Tensor count, parameter count and dtypes of a safetensors file, from its header. */
function safetensorsSummary(path: string): { tensors: number; parameters: number; dtypes: string[]; bytes: number } {
  const bytes = readFileSync(join(ROOT, path));
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString("utf8")) as Record<string, { dtype: string; shape: number[] }>;
  const tensors = Object.entries(header).filter(([key]) => key !== "__metadata__").map(([, value]) => value);
  return {
    tensors: tensors.length,
    parameters: tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0),
    dtypes: [...new Set(tensors.map((t) => t.dtype))],
    bytes: bytes.length,
  };
}

interface ManifestSplit {
  characters: number;
  bytes: number;
  sha256: string;
  outsideVocabulary: number;
  sources: Record<string, { documents: number; characters: number }>;
  documents: string[];
}

interface Manifest {
  corpus: string;
  sources: { key: string; name: string; package: string; version: string; integrity: string; licence: string; registry: string }[];
  normalisation: string;
  split: string;
  command: string;
  splits: Record<"train" | "validation" | "test", ManifestSplit>;
}

export interface Baselines {
  test_characters: number;
  unigram_add_one: number;
  order: number;
  [key: string]: unknown;
}

/** What the H200 run logged, by variant. */
export interface RunSummary {
  args: Record<string, unknown>;
  device: string;
  versions: { torch: string; transformers: string; triton: string };
  parameters: number;
  trainable: number;
  checks: { check: string; max_relative_difference: number }[];
  plannedSteps: number;
  /** steps/s over steps 1–51, from which the number of steps was fixed */
  earlyStepsPerSecond: number;
  steps: number;
  stoppedEarly: boolean;
  /** seconds from the start of the script to the end of training, and to the end of the final evaluation */
  trainingSeconds: number;
  totalSeconds: number;
  /** steps/s from the first step to the last, validation passes and checkpoints included */
  averageStepsPerSecond: number;
  validationSamples: { step: number; bitsPerChar: number }[];
  best: { step: number; validationSampleBitsPerChar: number };
  lastTrainingBatch: { step: number; bitsPerChar: number; learningRate: number };
  results: { validation: number; test: number; testFirst20000: { fastForward: number; transformers: number } };
}

export function runSummary(variant: Variant): RunSummary {
  const log = readLog(variant);
  const start = entry<{ args: Record<string, unknown>; device: string; torch: string; transformers: string; triton: string }>(log, "event", "start");
  const model = entry<{ parameters: number; trainable: number }>(log, "event", "model");
  const planned = entry<{ steps: number; steps_per_s: number }>(log, "event", "steps");
  const trained = entry<{ step: number; stopped_early: boolean; best: { validation_bpc: number; step: number } }>(log, "event", "trained");
  const evaluated = entry<{ bpc: { validation: number; test: number }; test_20k: { fast_forward: number; transformers: number } }>(log, "event", "evaluated");
  const batches = log.filter((e) => "train_bpc" in e) as (LogEntry & { step: number; train_bpc: number; lr: number })[];
  const first = entry<{ step: number }>(log, "step", 1);
  const last = batches[batches.length - 1];
  return {
    args: start.args,
    device: start.device,
    versions: { torch: start.torch, transformers: start.transformers, triton: start.triton },
    parameters: model.parameters,
    trainable: model.trainable,
    checks: log.filter((e) => "check" in e) as unknown as RunSummary["checks"],
    plannedSteps: planned.steps,
    earlyStepsPerSecond: planned.steps_per_s,
    steps: trained.step,
    stoppedEarly: trained.stopped_early,
    trainingSeconds: trained.elapsed_s,
    totalSeconds: evaluated.elapsed_s,
    averageStepsPerSecond: (last.step - first.step) / (last.elapsed_s - first.elapsed_s),
    validationSamples: log.filter((e) => "validation_bpc_sample" in e).map((e) => ({ step: e.step as number, bitsPerChar: e.validation_bpc_sample as number })),
    best: { step: trained.best.step, validationSampleBitsPerChar: trained.best.validation_bpc },
    lastTrainingBatch: { step: last.step, bitsPerChar: last.train_bpc, learningRate: last.lr },
    results: { validation: evaluated.bpc.validation, test: evaluated.bpc.test, testFirst20000: { fastForward: evaluated.test_20k.fast_forward, transformers: evaluated.test_20k.transformers } },
  };
}

export interface CharModelCard {
  name: string;
  variant: Variant;
  twin: string;
  description: string;
  files: Record<string, string>;
  data: Omit<Manifest, "splits"> & { splits: Record<string, Omit<ManifestSplit, "documents"> & { documents: number }> };
  tokenizer: { vocabulary: number; unknown: string; normalization: string; replacements: Record<string, string> };
  architecture: {
    layers: number;
    dModel: number;
    dInner: number;
    dState: number;
    dtRank: number;
    convWidth: number;
    vocabulary: number;
    tiedHead: boolean;
    parameters: number;
    trainableParameters: number;
    weights: { tensors: number; dtypes: string[]; bytes: number };
  };
  training: RunSummary & {
    command: string;
    batch: number;
    length: number;
    /** characters per second of this run, steps/s × batch × length */
    charactersPerSecond: { early: number; average: number };
  };
  results: {
    validationBitsPerChar: number;
    testBitsPerChar: number;
    testCharacters: number;
    twinTestBitsPerChar: number;
    twinValidationBitsPerChar: number;
    baselines: { unigram: number; kneserNey: number; kneserNeyOrder: number };
    crossCheck: CrossCheck;
  };
  samples: Pick<SamplesFile, "words" | "trainingVocabulary" | "wordShareTemperature" | "wordShares"> & {
    shown: SamplesFile["samples"];
  };
  deltaByClass: DeltaByClassFile;
  speed: CharBenchResult;
}

const DESCRIPTIONS: Record<Variant, string> = {
  selective:
    "A character-level Mamba language model of English prose (4 layers, d_model 256): Δ, B and C are computed from each character (the selective scan, S6).",
  lti:
    "The LTI twin of char-selective: the same architecture, data and recipe, with Δ, B and C fixed to learned constants in every layer (a linear time-invariant SSM layer; gate and conv kept).",
};

export function buildCard(variant: Variant): CharModelCard {
  const folder = modelFolder(variant);
  const twin: Variant = variant === "selective" ? "lti" : "selective";
  const config = readJsonFile<Record<string, number | boolean>>(`${folder}/config.json`);
  const tokenizer = readJsonFile<{ vocab: string[]; unknown: string; normalization: string; replacements: Record<string, string> }>(`${folder}/tokenizer.json`);
  const manifest = readJsonFile<Manifest>("data/corpus/prose/manifest.json");
  const run = runSummary(variant);
  const twinRun = runSummary(twin);
  const weights = safetensorsSummary(`${folder}/model.safetensors`);
  const baselines = readJsonFile<Baselines>("data/models/char-selective/baselines.json");
  const samples = readJsonFile<SamplesFile>(`${folder}/samples.json`);
  const batch = run.args.batch as number;
  const length = run.args.length as number;
  const optionFlags = `--variant ${variant} --dropout ${run.args.dropout}`;
  return {
    name: `char-${variant}`,
    variant,
    twin: `char-${twin}`,
    description: DESCRIPTIONS[variant],
    files: {
      "config.json": "HuggingFace MambaConfig, as save_pretrained wrote it",
      "model.safetensors": "the weights, F16, HuggingFace key names, no lm_head (tied to the embedding)",
      "tokenizer.json": "the character tokenizer (src/engine/char-tokenizer.ts)",
      "training-log.jsonl": "the run's log, as train/char_lm.py wrote it on the GPU host",
      "curves.svg": "training and validation bits per character against the step",
      ...(variant === "selective" ? { "baselines.json": "unigram and Kneser–Ney baselines on the test split (train/baselines.py)" } : {}),
      "cross-check.json": "the engine against PyTorch on the first 20,000 test characters (npm run data:cross-check)",
      "samples.json": "samples and the word share (npm run data:samples)",
      "delta-by-class.json": "Δ by character class on the validation split (npm run data:delta)",
    },
    data: {
      ...manifest,
      splits: Object.fromEntries(Object.entries(manifest.splits).map(([name, split]) => [name, { ...split, documents: split.documents.length }])),
    },
    tokenizer: { vocabulary: tokenizer.vocab.length, unknown: tokenizer.unknown, normalization: tokenizer.normalization, replacements: tokenizer.replacements },
    architecture: {
      layers: config.num_hidden_layers as number,
      dModel: config.hidden_size as number,
      dInner: config.intermediate_size as number,
      dState: config.state_size as number,
      dtRank: config.time_step_rank as number,
      convWidth: config.conv_kernel as number,
      vocabulary: config.vocab_size as number,
      tiedHead: config.tie_word_embeddings as boolean,
      parameters: weights.parameters,
      trainableParameters: run.trainable,
      weights: { tensors: weights.tensors, dtypes: weights.dtypes, bytes: weights.bytes },
    },
    training: {
      ...run,
      command: `bash train/run-char-lm.sh OUT_DIR ${run.args.max_minutes}   # runs python3 train/char_lm.py ${optionFlags} --out … --max-minutes ${run.args.max_minutes}; then python3 train/export_char_models.py RUN_DIR`,
      batch,
      length,
      charactersPerSecond: { early: run.earlyStepsPerSecond * batch * length, average: run.averageStepsPerSecond * batch * length },
    },
    results: {
      validationBitsPerChar: run.results.validation,
      testBitsPerChar: run.results.test,
      testCharacters: manifest.splits.test.characters,
      twinTestBitsPerChar: twinRun.results.test,
      twinValidationBitsPerChar: twinRun.results.validation,
      baselines: { unigram: baselines.unigram_add_one, kneserNey: baselines[`kneser_ney_order_${baselines.order}`] as number, kneserNeyOrder: baselines.order },
      crossCheck: readJsonFile<CrossCheck>(`${folder}/cross-check.json`),
    },
    samples: {
      words: samples.words,
      trainingVocabulary: samples.trainingVocabulary,
      wordShareTemperature: samples.wordShareTemperature,
      wordShares: samples.wordShares,
      shown: samples.samples,
    },
    deltaByClass: readJsonFile<DeltaByClassFile>(`${folder}/delta-by-class.json`),
    speed: readJsonFile<CharBenchResult>("bench/results/char-model.json"),
  };
}
