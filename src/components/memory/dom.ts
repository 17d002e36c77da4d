/** The memory page's plain elements: status lines, the run button, the example and the results table. */
import { withScrollCue } from "../scroll-cue.js";
import { TEST_LENGTHS, PAPER_TABLE_11 } from "./extrapolation.js";

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A status line (role="status"); with `counted`, `data-runs` counts the runs the page finished (the tests wait on it). */
export function statusLine(counted = false): HTMLParagraphElement {
  const line = element("p", "memory-status");
  if (counted) {
    line.setAttribute("role", "status");
    line.dataset.runs = "0";
  }
  return line;
}

/** Marks one more finished run on a counted status line. */
export function countRun(line: HTMLElement): void {
  line.dataset.runs = String(Number(line.dataset.runs ?? 0) + 1);
}

export function runButton(label: string): HTMLButtonElement {
  const button = element("button", "memory-run", label);
  button.type = "button";
  return button;
}

/** “Sequence → answer” as one paragraph of code. */
export function exampleLine(sequence: string, note: string): HTMLParagraphElement {
  const line = element("p", "memory-example");
  line.append(element("code", undefined, sequence), ` ${note}`);
  return line;
}

/**
 * Accuracy per test length: our rows (fractions, NaN for none) and the paper's rows of Table 11 named in
 * `paperRows`. Returned in a frame that shows the scroll cue where the table is wider than the column (phones).
 */
export function resultsTable(rows: readonly { label: string; values: readonly number[] }[], paperRows: readonly string[]): HTMLElement {
  const table = element("table", "memory-table");
  const head = table.createTHead().insertRow();
  head.append(element("th", undefined, "test length"));
  for (const length of TEST_LENGTHS) {
    const cell = element("th", undefined, "2");
    cell.append(element("sup", undefined, String(Math.log2(length))));
    head.append(cell);
  }
  const body = table.createTBody();
  const addRow = (label: string, cells: string[], className?: string) => {
    const row = body.insertRow();
    if (className) row.className = className;
    row.append(element("th", undefined, label), ...cells.map((text) => element("td", undefined, text)));
  };
  for (const row of rows) addRow(row.label, row.values.map((v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "—")));
  for (const paper of PAPER_TABLE_11.filter((r) => paperRows.includes(r.model))) {
    addRow(`paper: ${paper.model} (${paper.parameters})`, TEST_LENGTHS.map((_l, k) => (paper.accuracy[k] == null ? "✗" : `${paper.accuracy[k]}%`)), "memory-paper");
  }
  return withScrollCue(table);
}
