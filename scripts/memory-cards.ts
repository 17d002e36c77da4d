/**
 * Writes model-card.md beside the model-card.json of every chapter-7 model (data/models/induction-*, mqar-mamba-n*):
 * what the model is, its task, how it was trained, its results on the GPU host and, where measured, here.
 *   npx tsx scripts/memory-cards.ts
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MODELS = "data/models";
const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

interface Card {
  name: string;
  kind: "mamba" | "attention";
  task: Record<string, unknown> & { task: string };
  parameters: number;
  selection?: string;
  hostRun: string;
  training: Record<string, unknown> & { steps: number; batch: number; learningRate: number; wallTimeSeconds: number; device: string; torch: string; curve: { step: number; loss: number; accuracy: number; validation?: Record<string, number> }[] };
  heldOut: { seed: number; engine: string; results: { length?: number; pairs?: number; sequences?: number; accuracy?: number; skipped?: string }[] };
  measuredHere?: { length: number; sequences: number; accuracy: number; command: string; machine: string }[];
}

function render(card: Card): string {
  const t = card.training;
  const induction = card.task.task === "induction-heads";
  const what = card.kind === "attention"
    ? `A 2-layer attention model with rotary positions (d_model ${t.dModel}, ${t.heads} heads, MLP ${t.dFF}), in HuggingFace's LlamaForCausalLM layout (docs/attention-model.md).`
    : `A 2-layer Mamba (d_model ${t.dModel}, d_state ${t.dState}), in HuggingFace's MambaForCausalLM layout.`;
  const task = induction
    ? "Induction heads (Mamba paper §4.1.2): random tokens 0–14, the trigger 15 somewhere and at the end; at the end the model must output the token that followed the first trigger. Trained at length 256."
    : "Multi-query associative recall: P key–value pairs (keys 0–63, values 64–127), then every key again as a query; the model must output each key's value. Trained with P from 1 to 64.";
  const key = induction ? "length" : "pairs";
  const lines = [
    `# ${card.name}`,
    "",
    `${what} ${card.parameters.toLocaleString("en")} parameters, float32.`,
    "",
    `## Task`,
    "",
    task,
    "",
    "```json",
    JSON.stringify(card.task, null, 2),
    "```",
    "",
    "## Training",
    "",
    `\`python3 train/memory_tasks.py train --name ${card.hostRun} --out OUT --steps ${t.steps}\` (run \`${card.hostRun}\` of train/run-memory.sh): ${t.steps.toLocaleString("en")} steps of ${t.batch} sequences, ${t.optimizer}, peak learning rate ${t.learningRate} (${t.warmupSteps} warm-up steps, ${t.schedule}), ${t.loss}, seed ${t.seed}. Training sequences: ${t.trainingSequences}. Wall time ${(t.wallTimeSeconds / 60).toFixed(1)} min on ${t.device} (PyTorch ${t.torch}), alongside the other nine runs.`,
    "",
    ...(card.selection ? [card.selection, ""] : []),
    "| step | training loss | training accuracy | validation (seed 777) |",
    "|---:|---:|---:|---|",
    ...t.curve.filter((e) => e.step === 1 || e.step % 1000 === 0).map((e) => `| ${e.step} | ${e.loss.toFixed(3)} | ${percent(e.accuracy)} | ${e.validation ? Object.entries(e.validation).map(([k, v]) => `${k.replace("_", " ")}: ${percent(v)}`).join(", ") : ""} |`),
    "",
    "## Results",
    "",
    `Held out: the site's generator, seed ${card.heldOut.seed} (\`mamba eval --model data/models/${card.name} --task ${card.task.task} --${key} N\` draws the same sequences), ${card.heldOut.engine}.`,
    "",
    `| ${key} | sequences | accuracy |`,
    "|---:|---:|---:|",
    ...card.heldOut.results.map((r) => `| ${r[key]} | ${r.sequences ?? "—"} | ${r.accuracy === undefined ? r.skipped ?? "—" : percent(r.accuracy)} |`),
    "",
    ...(card.measuredHere?.length
      ? ["Measured here with the float64 engine:", "", ...card.measuredHere.map((m) => `- length ${m.length}, ${m.sequences} sequences: **${percent(m.accuracy)}** (\`${m.command}\`, ${m.machine})`), ""]
      : []),
  ];
  return lines.join("\n");
}

for (const name of readdirSync(MODELS)) {
  if (!/^(induction-|mqar-mamba-)/.test(name)) continue;
  const card = JSON.parse(readFileSync(join(MODELS, name, "model-card.json"), "utf8")) as Card;
  writeFileSync(join(MODELS, name, "model-card.md"), render(card));
}
