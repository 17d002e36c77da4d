/**
 * The figure frame every chapter figure sits in: the drawing, a numbered caption (renumbered in
 * document order whenever figures enter or leave the page, so re-run cells keep numbers right), a legend, and an export menu (SVG, PNG
 * 1×/2×/4×, CSV, JSON, link to this figure). The figure's `id` is its anchor and its stable name
 * for exports, `?embed=ID` and the CLI.
 */
import { fileName, toCsv, toJsonRecords, type Cell, type DataTable } from "./format.js";
import { download, standaloneSvg, svgToPng, type ExportCaption, type ExportLegendItem, type StandaloneSvg } from "./export.js";
import { installTeaching, teachingMenuItems } from "./teaching/hooks.js";
import { watchElements } from "./frame.js";
import { scrollCue } from "./scroll-cue.js";
import { linkTo } from "./url-state.js";

export interface LegendItem extends ExportLegendItem {
  /** Links the swatch to equation symbols and figure marks with the same `data-sym` (see live-math). */
  sym?: string;
}

export interface FigureOptions {
  /** Stable id: lower-case letters, digits and dashes, unique on the site (e.g. "zoh-vs-euler"). */
  id: string;
  /** Caption text or node; the frame prefixes "Figure N." */
  caption: string | Node;
  legend?: readonly LegendItem[];
  /** The numbers behind the drawing, for the CSV and JSON exports; read when the reader exports. */
  data?: () => DataTable;
  /** The state the figure shows (slider values...), used in export file names and the JSON. */
  params?: () => Readonly<Record<string, Cell>>;
}

/** The frame element, with its id and its drawing as a standalone SVG (with its numbered caption under it when asked). */
export type FigureElement = HTMLElement & { figureId: string; standalone(options?: { caption?: boolean }): StandaloneSvg | undefined };

const FIGURE_ID = /^[a-z][a-z0-9-]{0,63}$/;

/** Wraps `content` (an SVG, or an element holding one) in a numbered, exportable figure. */
export function figure(content: Node, options: FigureOptions): FigureElement {
  if (!FIGURE_ID.test(options.id)) throw new Error(`figure: id ${JSON.stringify(options.id)} must match ${FIGURE_ID}`);
  const frame = document.createElement("figure") as unknown as FigureElement;
  frame.className = "kit-figure";
  frame.id = options.id;
  frame.figureId = options.id;
  frame.dataset.figureId = options.id;
  const body = document.createElement("div");
  body.className = "kit-figure-body";
  body.append(content);
  const caption = document.createElement("figcaption");
  caption.className = "kit-caption";
  const number = document.createElement("span");
  number.className = "kit-figure-number";
  caption.append(number, options.caption);
  const toolbar = document.createElement("div");
  toolbar.className = "kit-figure-toolbar";
  if (options.legend?.length) toolbar.append(legendElement(options.legend));
  toolbar.append(exportMenu(frame, options));
  frame.append(body, toolbar, caption);
  // A drawing wider than a phone's column scrolls inside the body, and says so.
  scrollCue(body, frame);
  // The same standalone SVG the menu saves; the CLI export (src/cli/export.ts) reads figures through it.
  frame.standalone = ({ caption: withCaption = false } = {}) => {
    const svg = body.querySelector("svg");
    return svg ? standaloneSvg(svg, { legend: options.legend ?? [], caption: withCaption ? captionText(caption) : undefined }) : undefined;
  };
  watchFigureNumbers();
  installTeaching();
  return frame;
}

/** The caption as shown now: "Figure N." and the (possibly live) text after it. */
function captionText(caption: HTMLElement): ExportCaption {
  const number = caption.querySelector(".kit-figure-number")?.textContent ?? "";
  return { number: number.trim(), text: (caption.textContent ?? "").slice(number.length).replace(/\s+/g, " ").trim() };
}

/** Writes "Figure N." into every figure's caption, N counting `.kit-figure` elements in document order. */
export function renumberFigures(): void {
  document.querySelectorAll<HTMLElement>(".kit-figure").forEach((frame, index) => {
    const label = `Figure ${index + 1}. `;
    frame.dataset.figureNumber = String(index + 1);
    const number = frame.querySelector(":scope > .kit-caption > .kit-figure-number");
    if (number && number.textContent !== label) number.textContent = label;
  });
}

let watching = false;

/** Renumbers once per frame after figures are added or removed anywhere in the page. */
function watchFigureNumbers(): void {
  if (watching) return;
  watching = true;
  watchElements(".kit-figure", renumberFigures);
}

/** An HTML legend: colour swatch and label per item; items with `sym` take part in symbol highlighting. */
export function legendElement(items: readonly LegendItem[]): HTMLElement {
  const list = document.createElement("ul");
  list.className = "kit-legend";
  for (const item of items) {
    const entry = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "kit-swatch";
    swatch.style.background = item.color;
    entry.append(swatch, item.label);
    if (item.sym) {
      entry.dataset.sym = item.sym;
      entry.tabIndex = 0;
    }
    list.append(entry);
  }
  return list;
}

type ExportFormat = "svg" | "png-1" | "png-2" | "png-4" | "csv" | "json" | "link";

const FORMAT_LABELS: Record<ExportFormat, string> = {
  svg: "SVG",
  "png-1": "PNG 1×",
  "png-2": "PNG 2×",
  "png-4": "PNG 4×",
  csv: "CSV",
  json: "JSON",
  link: "Copy link to this figure",
};

/** The <details> menu: one button per format; data formats only when the figure gives `data`. */
function exportMenu(frame: FigureElement, options: FigureOptions): HTMLElement {
  const menu = document.createElement("details");
  menu.className = "kit-export";
  const summary = document.createElement("summary");
  summary.textContent = "Export";
  const list = document.createElement("div");
  list.className = "kit-export-list";
  const status = document.createElement("p");
  status.className = "kit-export-status";
  status.setAttribute("role", "status");
  const linkField = document.createElement("input");
  linkField.className = "kit-export-link";
  linkField.readOnly = true;
  linkField.hidden = true;
  linkField.setAttribute("aria-label", "Link to this figure");
  const formats = (Object.keys(FORMAT_LABELS) as ExportFormat[]).filter((format) => options.data || (format !== "csv" && format !== "json"));
  const captionOption = document.createElement("input");
  captionOption.type = "checkbox";
  captionOption.checked = true;
  captionOption.dataset.exportOption = "caption";
  const captionLabel = document.createElement("label");
  captionLabel.className = "kit-export-option";
  captionLabel.append(captionOption, " caption in PNG");
  for (const format of formats) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.export = format;
    button.textContent = FORMAT_LABELS[format];
    button.addEventListener("click", () => {
      runExport(format, frame, options, linkField, captionOption.checked).then(
        (message) => (status.textContent = message),
        (error: unknown) => (status.textContent = `Export failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    });
    list.append(button);
    if (format === "png-4") list.append(captionLabel);
  }
  const teaching = teachingMenuItems(frame, (message) => (status.textContent = message));
  list.append(...teaching.buttons);
  menu.append(summary, list, linkField, teaching.output, status);
  return menu;
}

/** Performs one export and returns the line shown under the menu; PNGs carry the caption when `pngCaption`. */
async function runExport(format: ExportFormat, frame: FigureElement, options: FigureOptions, linkField: HTMLInputElement, pngCaption: boolean): Promise<string> {
  const params = options.params?.() ?? {};
  const name = (extension: string) => fileName(options.id, params, extension);
  if (format === "link") {
    const url = linkTo(frame.figureId);
    linkField.value = url;
    linkField.hidden = false;
    linkField.select();
    try {
      await navigator.clipboard.writeText(url);
      return "Link copied.";
    } catch {
      return "Copy the selected link above.";
    }
  }
  if (format === "csv" || format === "json") {
    const table = options.data?.();
    if (!table) return "This figure has no data table.";
    const text = format === "csv" ? toCsv(table) : toJsonRecords(options.id, params, table);
    const file = name(format);
    download(new Blob([text], { type: format === "csv" ? "text/csv" : "application/json" }), file);
    return `Saved ${file}.`;
  }
  const standalone = frame.standalone({ caption: format !== "svg" && pngCaption });
  if (!standalone) return "This figure has no drawing to export.";
  if (format === "svg") {
    const file = name("svg");
    download(new Blob([standalone.text], { type: "image/svg+xml" }), file);
    return `Saved ${file}.`;
  }
  const scale = Number(format.slice(4));
  const file = name(`${scale}x.png`);
  download(await svgToPng(standalone, scale), file);
  return `Saved ${file}.`;
}
