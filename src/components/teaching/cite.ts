/**
 * "Cite this figure/page" and "copy embed code", pure (no DOM): BibTeX entries that carry the live
 * URL with its state, and the <iframe> snippet of an embedded figure.
 */

export const SITE_NAME = "Mamba, live";

export interface CitationInput {
  /** Page title, e.g. "2. Discretisation: Euler vs zero-order hold". */
  pageTitle: string;
  /** Figure id and number when citing one figure; absent for the whole page. */
  figure?: { id: string; number?: number };
  /** Full URL of the live version, state and #figure included. */
  url: string;
  /** Control values the URL carries, e.g. {delta: "0.5"}; written into the note. */
  state: Readonly<Record<string, string>>;
  accessed: Date;
}

/** Escapes the characters BibTeX/LaTeX treat specially in ordinary field text. */
export function bibtexText(text: string): string {
  return text
    .replace(/\\/g, "\\textbackslash{}")
    .replace(/([{}%&$#_])/g, "\\$1")
    .replace(/~/g, "\\textasciitilde{}")
    .replace(/\^/g, "\\textasciicircum{}");
}

/** A URL inside \url{} and url = {}: only % and # need escaping there (hyperref reads \% and \#). */
export function bibtexUrl(url: string): string {
  return url.replace(/([%#\\{}])/g, "\\$1");
}

/** A citation key from the page and figure: letters, digits and dashes only, e.g. "mamba-live-error-vs-delta". */
export function citationKey(pageTitle: string, figureId?: string): string {
  const slug = (figureId ?? pageTitle).toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return `mamba-live-${slug || "page"}`;
}

/** A BibTeX @misc entry for a figure (or the page): title, site, URL with state, year and access date. */
export function bibtex(input: CitationInput): string {
  const date = input.accessed.toISOString().slice(0, 10);
  const what = input.figure ? `Figure${input.figure.number ? ` ${input.figure.number}` : ""} (${input.figure.id}) of ` : "";
  const title = `${what}${input.pageTitle}`;
  const stateText = Object.entries(input.state).map(([key, value]) => `${key} = ${value}`).join(", ");
  const note = `Interactive ${input.figure ? "figure" : "page"}${stateText ? `, shown with ${stateText}` : " in its default state"}. Accessed ${date}`;
  const fields: [string, string][] = [
    ["title", `{${bibtexText(title)}}`],
    ["author", `{${bibtexText(`${SITE_NAME} contributors`)}}`],
    ["howpublished", `\\url{${bibtexUrl(input.url)}}`],
    ["url", bibtexUrl(input.url)],
    ["year", String(input.accessed.getUTCFullYear())],
    ["urldate", date],
    ["organization", bibtexText(SITE_NAME)],
    ["note", bibtexText(note)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const body = fields.map(([name, value]) => `  ${name.padEnd(width)} = {${value}}`).join(",\n");
  return `@misc{${citationKey(input.pageTitle, input.figure?.id)},\n${body}\n}\n`;
}

/** The message an embedded figure sends its parent whenever its height changes. */
export const EMBED_MESSAGE = "mamba-live:embed-height";

/** Escapes text for an HTML attribute value in double quotes. */
function attribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The embed code: an <iframe> of `embedUrl` (a page URL with ?embed=ID) at `height` px, plus a
 * four-line script that lets the frame resize itself (learning-management systems that strip
 * scripts keep the iframe, at its initial height).
 */
export function embedCode(embedUrl: string, title: string, height: number): string {
  const iframe = `<iframe src="${attribute(embedUrl)}" title="${attribute(title)}" width="100%" height="${Math.ceil(height)}" style="border:0;max-width:100%" loading="lazy" data-mamba-live-embed></iframe>`;
  const script = `<script>addEventListener("message", (e) => {
  if (!e.data || e.data.type !== "${EMBED_MESSAGE}") return;
  for (const f of document.querySelectorAll("iframe[data-mamba-live-embed]")) if (f.contentWindow === e.source) f.style.height = e.data.height + "px";
});</script>`;
  return `${iframe}\n${script}\n`;
}
