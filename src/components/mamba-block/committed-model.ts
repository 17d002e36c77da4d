/**
 * The committed model the page opens with (served from data/models/ by the loaders in
 * src/data/models/), and the token sequences its figures start from: Selective Copying sequences
 * generated from the model card's task settings when the model has one.
 */
import { loadMambaCheckpoint } from "../../engine/checkpoint.js";
import { checkSettings, generateSelectiveCopying, type SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { LoadedCheckpoint } from "./checkpoint-files.js";

/** What FileAttachment returns, reduced to what is used here. */
interface Attachment {
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface CommittedModel extends LoadedCheckpoint {
  task?: SelectiveCopyingSettings;
}

export async function loadCommittedModel(label: string, config: Attachment, weights: Attachment, card?: Attachment): Promise<CommittedModel> {
  const bytes = new Uint8Array(await weights.arrayBuffer());
  const model = loadMambaCheckpoint(await config.json(), bytes, `${label}/model.safetensors`);
  let task: SelectiveCopyingSettings | undefined;
  if (card) {
    task = ((await card.json()) as { task: SelectiveCopyingSettings }).task;
    checkSettings(task);
  }
  return { label, model, weightsBytes: bytes.length, task };
}

export interface PageSequences {
  /** The sequence of the block diagram, decoding and the checkpoint explorer. */
  main: number[];
  /** Cartridge: prefix A, prefix B and the continuation read after either. */
  prefix: number[];
  other: number[];
  continuation: number[];
  /** Patching: the target and a source that differs in one token. */
  target: number[];
  source: number[];
  /** The position where source and target differ. */
  changed: number;
}

/** Starting sequences: two Selective Copying sequences when the task is known, fixed ids otherwise. */
export function pageSequences(vocabSize: number, task?: SelectiveCopyingSettings): PageSequences {
  if (task) {
    const batch = generateSelectiveCopying(task, 2, 5);
    const row = (r: number) => Array.from(batch.inputIds.subarray(r * batch.length, (r + 1) * batch.length));
    const [a, b] = [row(0), row(1)];
    const changed = a.findIndex((id) => id !== task.noiseToken);
    const source = a.slice();
    source[changed] = task.firstDataToken + ((a[changed] - task.firstDataToken + 3) % task.dataVocab);
    return {
      main: a,
      prefix: a.slice(0, task.contextLength),
      other: b.slice(0, task.contextLength),
      continuation: a.slice(task.contextLength),
      target: a,
      source,
      changed,
    };
  }
  const main = [10, 3, 31, 1, 9, 7, 0, 22, 8, 23, 24, 14].map((id) => id % vocabSize);
  const source = main.slice();
  source[4] = (main[4] + 5) % vocabSize;
  return { main, prefix: main.slice(0, 8), other: [5, 10, 2, 0, 8, 17, 31, 12].map((id) => id % vocabSize), continuation: main.slice(8), target: main, source, changed: 4 };
}
