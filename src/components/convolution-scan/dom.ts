/** Small DOM pieces of the convolution-vs-scan page: a button that runs a measurement, a work/depth table. */
import type { ScanTrace } from "../../engine/scans.js";
import { formatNumber } from "../format.js";

/**
 * A button and a status line: clicking runs `action` once (the button is disabled meanwhile) and the
 * line says what it is doing, then what happened; a failure is shown in words, never thrown.
 */
export function actionButton(label: string, action: (say: (text: string) => void) => Promise<string>): HTMLElement {
  const root = document.createElement("div");
  root.className = "kit-control cs-action";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  const status = document.createElement("p");
  status.className = "kit-readout";
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    root.dataset.state = "running";
    try {
      status.textContent = await action((text) => (status.textContent = text));
      root.dataset.state = "done";
    } catch (error) {
      status.textContent = `The measurement could not run: ${error instanceof Error ? error.message : String(error)}`;
      root.dataset.state = "failed";
    } finally {
      button.disabled = false;
    }
  });
  root.append(button, status);
  return root;
}

/** Rows: algorithm, work (• applications), depth (rounds), max |h − sequential h|. */
export function workDepthTable(traces: readonly ScanTrace[], sequentialStates: Float64Array): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "cs-work-depth";
  const head = table.createTHead().insertRow();
  for (const title of ["algorithm", "work (• applications)", "depth (rounds)", "max |h − h_sequential|"]) {
    const cell = document.createElement("th");
    cell.textContent = title;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const trace of traces) {
    const row = body.insertRow();
    row.dataset.algorithm = trace.algorithm;
    let worst = 0;
    trace.states.forEach((h, t) => (worst = Math.max(worst, Math.abs(h - sequentialStates[t]))));
    row.dataset.maxDifference = String(worst);
    for (const text of [trace.algorithm, String(trace.work), String(trace.depth), formatNumber(worst, 2)]) row.insertCell().textContent = text;
  }
  return table;
}
