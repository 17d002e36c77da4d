/**
 * The export command's options, pure: `--page P --figure ID --format svg|png|pdf [--state QUERY]
 * [--scale N] [--width PX] [--no-caption] --out FILE`, or `--all --out DIR`. Every mistake becomes one sentence
 * naming the option and what it accepts.
 */

export const FORMATS = ["svg", "png", "pdf"] as const;
export type ExportFormat = (typeof FORMATS)[number];

export interface ExportOptions {
  /** Built page name: "index" for the home page, else e.g. "discretisation"; absent with --all. */
  page?: string;
  figure?: string;
  all: boolean;
  format: ExportFormat;
  /** Query string of control values, without "?". */
  state: string;
  /** PNG pixels per SVG pixel. */
  scale: number;
  /** Browser viewport width in CSS pixels: charts draw at the width the page gives them. */
  width: number;
  out: string;
  /** Skip the "build dist/ first if missing or stale" step. */
  build: boolean;
  /** Draw the numbered caption under a PNG (as the Export menu does by default); --no-caption leaves it out. */
  caption: boolean;
}

export class UsageError extends Error {}

export const USAGE = "usage: npm run export -- --page NAME --figure ID --format svg|png|pdf [--state 'a=1&b=2'] [--scale N] [--width PX] [--no-caption] --out FILE\n       npm run export -- --all [--format svg|png|pdf] --out DIR";

const VALUED = ["page", "figure", "format", "state", "scale", "width", "out"] as const;
const FLAGS = ["all", "no-build", "no-caption"] as const;
const FIGURE_ID = /^[a-z][a-z0-9-]{0,63}$/;
const PAGE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** "--page /discretisation", "discretisation", "discretisation.html", "/" and "index" all name a built page. */
export function pageName(raw: string): string {
  const name = raw.trim().replace(/^\/+/, "").replace(/\.html$/, "");
  if (name === "") return "index";
  if (!PAGE_NAME.test(name)) throw new UsageError(`--page ${JSON.stringify(raw)} is not a page name (e.g. --page discretisation, or --page index for the home page)`);
  return name;
}

function number(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** The format from --format, else from the --out extension. */
function format(raw: string | undefined, out: string, all: boolean): ExportFormat {
  const chosen = raw ?? (all ? "svg" : /\.(svg|png|pdf)$/i.exec(out)?.[1]?.toLowerCase());
  if (chosen === undefined) throw new UsageError("--format is missing (svg, png or pdf), and --out does not end in .svg, .png or .pdf");
  if (!(FORMATS as readonly string[]).includes(chosen)) throw new UsageError(`unknown format ${JSON.stringify(chosen)} (use svg, png or pdf)`);
  return chosen as ExportFormat;
}

export function parseExportOptions(argv: readonly string[]): ExportOptions {
  const values: Partial<Record<(typeof VALUED)[number], string>> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (options look like --name value)`);
    const name = arg.slice(2);
    if ((FLAGS as readonly string[]).includes(name)) {
      flags.add(name);
      continue;
    }
    if (!(VALUED as readonly string[]).includes(name)) throw new UsageError(`unknown option ${arg} (expected --${[...VALUED, ...FLAGS].join(", --")})`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`option ${arg} needs a value`);
    if (values[name as (typeof VALUED)[number]] !== undefined) throw new UsageError(`option ${arg} was given twice`);
    values[name as (typeof VALUED)[number]] = value;
    i++;
  }
  const all = flags.has("all");
  if (!values.out) throw new UsageError(`--out is missing (${all ? "a folder" : "a file"} to write)`);
  if (all && (values.page || values.figure)) throw new UsageError("--all exports every figure of every page; leave out --page and --figure");
  if (!all && !values.page) throw new UsageError("--page is missing (or use --all)");
  if (!all && !values.figure) throw new UsageError("--figure is missing (a figure id such as error-vs-delta)");
  if (values.figure !== undefined && !FIGURE_ID.test(values.figure)) throw new UsageError(`--figure ${JSON.stringify(values.figure)} is not a figure id (lower-case letters, digits and dashes)`);
  return {
    page: values.page === undefined ? undefined : pageName(values.page),
    figure: values.figure,
    all,
    format: format(values.format, values.out, all),
    state: (values.state ?? "").replace(/^\?/, ""),
    scale: values.scale === undefined ? 1 : number("scale", values.scale, 0.1, 16),
    width: values.width === undefined ? 1280 : Math.round(number("width", values.width, 320, 3840)),
    out: values.out,
    build: !flags.has("no-build"),
    caption: !flags.has("no-caption"),
  };
}
