/**
 * Pure formatting helpers shared by figures, exports and equations: numbers for people, numbers for
 * TeX, CSV tables and export file names. No DOM here, so the unit tests run them in Node.
 */

/** A value of a data table cell: numbers are written in full precision, strings quoted when needed. */
export type Cell = number | string;

/** A figure's data: one header row and rows of cells, the shape every export writes. */
export interface DataTable {
  columns: readonly string[];
  rows: readonly (readonly Cell[])[];
}

/** A number for a label or read-out: `digits` significant digits, exponent form outside [1e-3, 1e5). */
export function formatNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  const rounded = Number(value.toPrecision(digits));
  const text = magnitude >= 1e-3 && magnitude < 1e5 ? String(rounded) : rounded.toExponential();
  return text.replace(/-/g, "−");
}

/** The same number as TeX source: 0.82, 1.5\times10^{-4}, \infty; safe to splice into an equation. */
export function texNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return "\\text{NaN}";
  if (!Number.isFinite(value)) return value > 0 ? "\\infty" : "-\\infty";
  const plain = formatNumber(value, digits).replace(/−/g, "-");
  const match = /^(-?[\d.]+)e([+-]\d+)$/.exec(plain);
  if (!match) return plain;
  const exponent = Number(match[2]);
  return `${match[1]}\\times10^{${exponent}}`;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; numbers in full precision. */
export function csvField(cell: Cell): string {
  const text = typeof cell === "number" ? (Number.isFinite(cell) ? String(cell) : cell > 0 ? "Infinity" : cell < 0 ? "-Infinity" : "NaN") : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The table as CSV text: header line, one line per row, CRLF line ends as RFC 4180 asks. */
export function toCsv(table: DataTable): string {
  const width = table.columns.length;
  const lines = [table.columns.map(csvField).join(",")];
  for (const [index, row] of table.rows.entries()) {
    if (row.length !== width) throw new Error(`toCsv: row ${index} has ${row.length} cells, the header has ${width}`);
    lines.push(row.map(csvField).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

/** The table as JSON records `{column: value}`, with the figure id and its parameters. */
export function toJsonRecords(id: string, params: Readonly<Record<string, Cell>>, table: DataTable): string {
  const data = table.rows.map((row) => Object.fromEntries(table.columns.map((column, i) => [column, row[i]])));
  return JSON.stringify({ figure: id, params, columns: table.columns, data }, jsonNumbers, 1);
}

/** JSON has no NaN or Infinity: they are written as strings so the file always parses. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

/** Lower-case letters, digits, dots and dashes only: safe on every file system and in a URL. */
export function fileSafe(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * An export's file name: the figure id, then each parameter as name-value in the given order, then
 * the extension; e.g. fileName("zoh-vs-euler", {delta: 0.5, rule: "zoh"}, "svg") →
 * "zoh-vs-euler_delta-0.5_rule-zoh.svg"; a negative number reads m1.5 (−1.5). Capped at 120 characters before the extension.
 */
export function fileName(id: string, params: Readonly<Record<string, Cell>>, extension: string): string {
  const parts = [fileSafe(id) || "figure"];
  for (const [name, value] of Object.entries(params)) {
    // A minus sign would vanish among the separators, so negative numbers read "m1.5".
    const text = typeof value === "number" ? String(Number(value.toPrecision(6))).replace(/^-/, "m") : value;
    const part = `${fileSafe(name)}-${fileSafe(text)}`.replace(/-+$/, "");
    if (part) parts.push(part);
  }
  return `${parts.join("_").slice(0, 120)}.${fileSafe(extension)}`;
}
