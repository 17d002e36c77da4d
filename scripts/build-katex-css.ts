/**
 * Writes src/generated/katex.css: KaTeX's stylesheet with its woff2 fonts inlined as data URLs.
 *
 * Why: Framework's CSS bundler has no loader for font files, and the site must make no request to
 * another origin, so the fonts travel inside the stylesheet. woff2 is supported by every browser
 * that runs the site, so the woff and ttf fallbacks are dropped rather than inlined three times.
 */
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const katexCss = require.resolve("katex/dist/katex.min.css");
const result = await build({
  entryPoints: [katexCss],
  bundle: true,
  write: false,
  minify: true,
  loader: { ".woff2": "dataurl", ".woff": "empty", ".ttf": "empty" },
  logLevel: "warning",
});
// The empty loaders leave `,url() format("woff")` sources behind; browsers would request "" for them.
const css = result.outputFiles[0].text.replace(/,\s*url\(\)\s*format\("(woff|truetype)"\)/g, "");
if (/url\(\)/.test(css)) throw new Error("build-katex-css: an empty url() survived; KaTeX's CSS changed shape");
mkdirSync(new URL("../src/generated/", import.meta.url), { recursive: true });
writeFileSync(new URL("../src/generated/katex.css", import.meta.url), css);
console.log(`katex.css: ${(css.length / 1024).toFixed(0)} KiB with fonts inlined`);
