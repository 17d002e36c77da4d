/**
 * Finds references to another origin in built HTML, JavaScript or CSS: `src=` and `href=` attributes,
 * static and dynamic imports, and CSS `url()`. Plain strings that merely contain a URL (licence
 * headers, XML namespaces, error messages) are not requests and are not reported.
 */
const ORIGIN = String.raw`(?:https?:)?//[^"'\s)>]+`;
const PATTERNS: RegExp[] = [
  new RegExp(String.raw`\b(?:src|href|srcset|action|poster)\s*=\s*["']?(${ORIGIN})`, "gi"),
  new RegExp(String.raw`\bimport\s*(?:[\w*{}\s,$]+from\s*)?["'](${ORIGIN})["']`, "g"),
  new RegExp(String.raw`\bimport\(\s*["'](${ORIGIN})["']`, "g"),
  new RegExp(String.raw`url\(\s*["']?(${ORIGIN})`, "gi"),
  new RegExp(String.raw`@import\s+["'](${ORIGIN})["']`, "gi"),
];

/** The external URLs that `source` would load, in order of appearance. */
export function externalReferences(source: string): string[] {
  const found: string[] = [];
  for (const pattern of PATTERNS) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}
