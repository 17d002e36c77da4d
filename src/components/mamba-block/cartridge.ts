/**
 * The state as a cartridge, on real text: the character model reads text A and the state is saved;
 * it reads text B, then its state is swapped for the saved one and it reads the continuation, which now
 * follows as if it had read A. The state can be downloaded as a state file (docs/state-file.md) and
 * loaded back from one. Every step runs on the page's engine (its decoder).
 */
import type { CharModel } from "../../engine/char-lm.js";
import { contextIds } from "../../engine/char-lm.js";
import { decodeIds } from "../../engine/decode.js";
import type { Engine } from "../../engine/engine.js";
import { MAX_STATE_FILE_BYTES, readStateFile, writeStateFile, type SavedState } from "../../engine/state-file.js";
import { heatmap } from "../charts/heatmap.js";
import { shownCharacter } from "../charts/character-strip.js";
import { textInput } from "../controls.js";
import { download } from "../export.js";
import { figure } from "../figure.js";
import { formatNumber } from "../format.js";
import { argmaxRows, errorMessage, softmaxRows } from "./tokens.js";
import { withScrollCue } from "../scroll-cue.js";

export type Cartridge = HTMLElement & {
  /** Logits (continuation length, vocab) of the continuation read after the loaded cartridge. */
  cartridgeLogits: Float64Array;
  saved: SavedState;
};

export interface CartridgeTexts {
  prefix: string;
  other: string;
  continuation: string;
}

/** Cartridge texts are short: every change is decoded character by character. */
const MAX_TEXT = 120;
const SHOWN_CHARACTERS = 24;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function button(text: string, role: string): HTMLButtonElement {
  const node = Object.assign(element("button", "", text), { type: "button" as const });
  node.dataset.role = role;
  return node;
}

export function stateCartridge(engine: Engine, charModel: CharModel, defaults: CartridgeTexts): Cartridge {
  const { model, tokenizer } = charModel;
  const root = element("div", "mb-cartridge") as unknown as Cartridge;
  const vocab = model.config.vocabSize;
  const prefixInput = textInput({ name: "cart-prefix", label: "Text A (its state goes in the cartridge)", value: defaults.prefix, maxLength: MAX_TEXT });
  const otherInput = textInput({ name: "cart-other", label: "Text B", value: defaults.other, maxLength: MAX_TEXT });
  const continuationInput = textInput({ name: "cart-continuation", label: "Continuation read after B", value: defaults.continuation, maxLength: 40 });
  const saveButton = button("Save the state after text A", "save-state");
  const downloadButton = button("Download the state file", "download-state");
  const upload = Object.assign(element("input"), { type: "file", accept: ".safetensors,.mambastate" });
  upload.dataset.role = "state-upload";
  const uploadLabel = element("label", "", "Load a state file: ");
  uploadLabel.append(upload);
  const row = element("div", "mb-row");
  row.append(saveButton, downloadButton, uploadLabel);
  const status = element("p", "mb-status", "Reading text A…");
  status.setAttribute("role", "status");
  status.dataset.role = "cartridge-status";
  const show = (text: string, kind: "ok" | "error") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };
  const label = (id: number) => shownCharacter(tokenizer.token(id));
  /** The ids a text box holds: the start character first for a text that begins a document (A and B), not for the continuation. */
  const ids = (text: string, what: string, start: boolean): number[] => {
    const read = start ? contextIds(tokenizer, text).ids : tokenizer.encode(text).ids;
    if (read.length === (start ? 1 : 0)) throw new Error(`${what} is empty: type some text`);
    return read;
  };

  const map = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "reading", columnName: "next character", valueName: "probability", color: "sequential", domain: [0, 1] });
  const table = element("div", "mb-scroll");
  table.dataset.role = "cartridge-table";
  const fig = figure(map, {
    id: "cartridge-continuation",
    caption: "Next-character probabilities while reading the continuation. Rows “B”: after text B with its own state. Rows “A”: after text B with the cartridge (the state saved after text A, or loaded from a file) in its place. Columns: the most likely characters.",
    data: () => ({ columns: ["row", "character", "probability"], rows: Array.from(map.data.values, (p, i) => [map.data.rowLabels?.[Math.floor(i / map.data.columns)] ?? "", map.data.columnLabels?.[i % map.data.columns] ?? "", p]) }),
    params: () => ({ prefix: prefixInput.value, other: otherInput.value, continuation: continuationInput.value }),
  });

  let busy: Promise<void> = Promise.resolve();
  const queued = (work: () => Promise<void>) => (busy = busy.then(work, work));

  const save = async (): Promise<boolean> => {
    try {
      const prefix = ids(prefixInput.value, "Text A", true);
      root.saved = { state: (await decodeIds(engine, model, prefix)).finalState, tokens: prefix };
      return true;
    } catch (error) {
      show(`Text A: ${errorMessage(error)}`, "error");
      return false;
    }
  };

  const update = async () => {
    try {
      const other = ids(otherInput.value, "Text B", true);
      const continuation = ids(continuationInput.value, "The continuation", false);
      const own = (await decodeIds(engine, model, continuation, { from: (await decodeIds(engine, model, other)).finalState, position: other.length })).logits;
      root.cartridgeLogits = (await decodeIds(engine, model, continuation, { from: root.saved.state, position: root.saved.tokens.length })).logits;
      const rows = continuation.length;
      const probabilities = [softmaxRows(own, vocab), softmaxRows(root.cartridgeLogits, vocab)];
      // The characters either reading finds most likely anywhere, so the map stays readable at 97 symbols.
      const best = new Float64Array(vocab);
      for (const table of probabilities) for (let i = 0; i < table.length; i++) best[i % vocab] = Math.max(best[i % vocab], table[i]);
      const columns = Array.from(best, (p, id) => ({ p, id })).sort((a, b) => b.p - a.p).slice(0, SHOWN_CHARACTERS).map((entry) => entry.id);
      const values = new Float64Array(2 * rows * columns.length);
      probabilities.forEach((table, half) => {
        for (let r = 0; r < rows; r++) columns.forEach((id, c) => (values[(half * rows + r) * columns.length + c] = table[r * vocab + id]));
      });
      const rowLabels = [...continuation.map((id, t) => `B ${t}: ${label(id)}`), ...continuation.map((id, t) => `A ${t}: ${label(id)}`)];
      map.update({ values, rows: 2 * rows, columns: columns.length, rowLabels, columnLabels: columns.map(label) });
      const grid = element("table", "mb-table");
      const line = (head: string, cells: string[]) => {
        const tr = element("tr");
        tr.append(element("th", "", head), ...cells.map((cell) => element("td", "", cell)));
        grid.append(tr);
      };
      line("reads", continuation.map(label));
      line("expects next, own state", argmaxRows(own, vocab).map(label));
      line("expects next, cartridge", argmaxRows(root.cartridgeLogits, vocab).map(label));
      table.replaceChildren(grid);
      const size = root.saved.state.reduce((n, layer) => n + layer.convWindow.length + layer.h.length, 0);
      const text = tokenizer.decode(root.saved.tokens.slice(1));
      show(`Cartridge: the state after ${root.saved.tokens.length - 1} characters (“${text.slice(0, 40)}${text.length > 40 ? "…" : ""}”), ${size} numbers whatever the text's length.`, "ok");
      root.dataset.updates = String(Number(root.dataset.updates ?? 0) + 1);
    } catch (error) {
      show(errorMessage(error), "error");
    }
  };

  saveButton.addEventListener("click", () => void queued(async () => ((await save()) ? update() : undefined)));
  downloadButton.addEventListener("click", () => {
    const bytes = writeStateFile(model, root.saved);
    download(new Blob([bytes.slice().buffer as ArrayBuffer], { type: "application/octet-stream" }), `mamba-state-${root.saved.tokens.length}-tokens.safetensors`);
  });
  upload.addEventListener("change", () =>
    void queued(async () => {
      const file = upload.files?.[0];
      if (!file) return;
      try {
        if (file.size > MAX_STATE_FILE_BYTES) throw new Error(`${file.name} is ${formatNumber(file.size / 1024 / 1024)} MB; a state file is at most ${MAX_STATE_FILE_BYTES / 1024 / 1024} MB`);
        root.saved = readStateFile(model, new Uint8Array(await file.arrayBuffer()), file.name);
        await update();
        show(`Loaded ${file.name}: the state after ${root.saved.tokens.length} tokens. ${status.textContent}`, "ok");
      } catch (error) {
        show(`Could not load ${file.name}: ${errorMessage(error)}. The cartridge is unchanged.`, "error");
      }
      upload.value = "";
    }),
  );
  otherInput.addEventListener("input", () => void queued(update));
  continuationInput.addEventListener("input", () => void queued(update));

  root.append(prefixInput, otherInput, continuationInput, row, status, fig, withScrollCue(table));
  void queued(async () => ((await save()) ? update() : undefined));
  return root;
}
