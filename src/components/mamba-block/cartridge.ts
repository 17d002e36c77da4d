/**
 * The state as a cartridge: read prefix A, save the state; read prefix B, then swap its state for
 * the saved one and read the continuation. The continuation now answers as if it had read A. The
 * state can be downloaded as a state file (docs/state-file.md) and loaded back from one.
 */
import type { LmState } from "../../engine/model.js";
import { decodeStepwise } from "../../engine/recurrent.js";
import { MAX_STATE_FILE_BYTES, readStateFile, writeStateFile, type SavedState } from "../../engine/state-file.js";
import type { SelectiveCopyingSettings } from "../../engine/tasks/selective-copying.js";
import type { MambaModel } from "../../engine/types.js";
import { heatmap } from "../charts/heatmap.js";
import { textInput } from "../controls.js";
import { download } from "../export.js";
import { figure } from "../figure.js";
import { formatNumber } from "../format.js";
import { argmaxRows, errorMessage, parseTokenIds, softmaxRows, tokenLabel } from "./tokens.js";
import { withScrollCue } from "../scroll-cue.js";

export type Cartridge = HTMLElement & {
  /** Logits (continuation length, vocab) of the continuation read after the loaded cartridge. */
  cartridgeLogits: Float64Array;
  saved: SavedState;
};

export interface CartridgeDefaults {
  prefix: number[];
  other: number[];
  continuation: number[];
}

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

/** The continuation's logits read from `state`. */
function continueFrom(model: MambaModel, state: LmState | undefined, continuation: number[]): Float64Array {
  return decodeStepwise(model, continuation, { state }).logits;
}

export function stateCartridge(model: MambaModel, defaults: CartridgeDefaults, task?: SelectiveCopyingSettings): Cartridge {
  const root = element("div", "mb-cartridge") as unknown as Cartridge;
  const vocab = model.config.vocabSize;
  const prefixInput = textInput({ name: "cart-prefix", label: "Prefix A (token ids)", value: defaults.prefix.join(" "), maxLength: 600 });
  const otherInput = textInput({ name: "cart-other", label: "Prefix B (token ids)", value: defaults.other.join(" "), maxLength: 600 });
  const continuationInput = textInput({ name: "cart-continuation", label: "Continuation (token ids)", value: defaults.continuation.join(" "), maxLength: 200 });
  const saveButton = button("Save the state after prefix A", "save-state");
  const downloadButton = button("Download the state file", "download-state");
  const upload = Object.assign(element("input"), { type: "file", accept: ".safetensors,.mambastate" });
  upload.dataset.role = "state-upload";
  const uploadLabel = element("label", "", "Load a state file: ");
  uploadLabel.append(upload);
  const row = element("div", "mb-row");
  row.append(saveButton, downloadButton, uploadLabel);
  const status = element("p", "mb-status");
  status.setAttribute("role", "status");
  status.dataset.role = "cartridge-status";
  const show = (text: string, kind: "ok" | "error") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  const map = heatmap({ values: [], rows: 0, columns: 0 }, { rowName: "continuation step", columnName: "next id", valueName: "probability", color: "sequential", domain: [0, 1] });
  const table = element("div", "mb-scroll");
  table.dataset.role = "cartridge-table";
  const fig = figure(map, {
    id: "cartridge-continuation",
    caption: "Next-token probabilities while reading the continuation. Rows “B”: after prefix B with its own state. Rows “A”: after prefix B with the cartridge (the state saved after prefix A, or loaded from a file) in its place.",
    data: () => ({ columns: ["row", "id", "probability"], rows: Array.from(map.data.values, (p, i) => [map.data.rowLabels?.[Math.floor(i / vocab)] ?? "", i % vocab, p]) }),
    params: () => ({ prefix: prefixInput.value, other: otherInput.value, continuation: continuationInput.value }),
  });

  const save = (): boolean => {
    try {
      const prefix = parseTokenIds(prefixInput.value, vocab, 512);
      root.saved = { state: decodeStepwise(model, prefix).finalState, tokens: prefix };
      return true;
    } catch (error) {
      show(`Prefix A: ${errorMessage(error)}`, "error");
      return false;
    }
  };

  const update = () => {
    try {
      const other = parseTokenIds(otherInput.value, vocab, 512);
      const continuation = parseTokenIds(continuationInput.value, vocab, 64);
      const own = continueFrom(model, decodeStepwise(model, other).finalState, continuation);
      root.cartridgeLogits = continueFrom(model, root.saved.state, continuation);
      const label = (id: number) => tokenLabel(id, task);
      const rows = continuation.length;
      const values = new Float64Array(2 * rows * vocab);
      values.set(softmaxRows(own, vocab));
      values.set(softmaxRows(root.cartridgeLogits, vocab), rows * vocab);
      const rowLabels = [...continuation.map((id, t) => `B ${t}: ${label(id)}`), ...continuation.map((id, t) => `A ${t}: ${label(id)}`)];
      map.update({ values, rows: 2 * rows, columns: vocab, rowLabels, columnLabels: Array.from({ length: vocab }, (_, id) => label(id)) });
      const grid = element("table", "mb-table");
      const line = (head: string, cells: string[]) => {
        const tr = element("tr");
        tr.append(element("th", "", head), ...cells.map((cell) => element("td", "", cell)));
        grid.append(tr);
      };
      line("reads", continuation.map(label));
      line("predicts, own state", argmaxRows(own, vocab).map(label));
      line("predicts, cartridge", argmaxRows(root.cartridgeLogits, vocab).map(label));
      table.replaceChildren(grid);
      const size = root.saved.state.reduce((n, layer) => n + layer.convWindow.length + layer.h.length, 0);
      show(`Cartridge: the state after ${root.saved.tokens.length} tokens (${root.saved.tokens.slice(0, 12).map(label).join(" ")}${root.saved.tokens.length > 12 ? " …" : ""}), ${size} numbers whatever the prefix length.`, "ok");
      root.dataset.updates = String(Number(root.dataset.updates ?? 0) + 1);
    } catch (error) {
      show(errorMessage(error), "error");
    }
  };

  saveButton.addEventListener("click", () => save() && update());
  downloadButton.addEventListener("click", () => {
    const bytes = writeStateFile(model, root.saved);
    download(new Blob([bytes.slice().buffer as ArrayBuffer], { type: "application/octet-stream" }), `mamba-state-${root.saved.tokens.length}-tokens.safetensors`);
  });
  upload.addEventListener("change", async () => {
    const file = upload.files?.[0];
    if (!file) return;
    try {
      if (file.size > MAX_STATE_FILE_BYTES) throw new Error(`${file.name} is ${formatNumber(file.size / 1024 / 1024)} MB; a state file is at most ${MAX_STATE_FILE_BYTES / 1024 / 1024} MB`);
      root.saved = readStateFile(model, new Uint8Array(await file.arrayBuffer()), file.name);
      update();
      show(`Loaded ${file.name}: the state after ${root.saved.tokens.length} tokens. ${status.textContent}`, "ok");
    } catch (error) {
      show(`Could not load ${file.name}: ${errorMessage(error)}. The cartridge is unchanged.`, "error");
    }
    upload.value = "";
  });
  otherInput.addEventListener("input", update);
  continuationInput.addEventListener("input", update);

  root.append(prefixInput, otherInput, continuationInput, row, status, fig, withScrollCue(table));
  if (save()) update();
  return root;
}
