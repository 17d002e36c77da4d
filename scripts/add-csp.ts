/**
 * Adds a Content-Security-Policy to every built page, as the first element of <head>, so that the
 * browser itself refuses any request to another origin — a second line of defence behind the
 * offline build. Framework has no hook for this, so it runs after `observable build`.
 *
 * Why each source: Framework inlines each page's module script and some styles ('unsafe-inline');
 * figure export draws SVG into images and downloads Blobs (data:, blob:); KaTeX's fonts are inlined
 * as data: URLs; tfjs compiles shaders, never JavaScript, so no 'unsafe-eval'. A policy in a <meta>
 * cannot set frame-ancestors, so pages stay embeddable in a course's LMS through an <iframe>.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join("; ");

const META = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;

/** Inserts the policy right after the charset declaration (before any resource is named); idempotent. */
export function withCsp(html: string): string {
  if (html.includes('http-equiv="Content-Security-Policy"')) return html;
  const charset = /<meta charset="utf-8">/i;
  if (!charset.test(html)) throw new Error("add-csp: a built page has no <meta charset> to anchor the policy");
  return html.replace(charset, (tag) => `${tag}\n${META}`);
}

function* htmlFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* htmlFiles(path);
    else if (entry.name.endsWith(".html")) yield path;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = process.env.SITE_DIST ?? "dist";
  let count = 0;
  for (const file of htmlFiles(dist)) {
    writeFileSync(file, withCsp(readFileSync(file, "utf8")));
    count++;
  }
  console.log(`add-csp: policy added to ${count} pages in ${dist}/`);
}
