import assert from "node:assert/strict";
import { test } from "node:test";
import { externalReferences } from "../../scripts/external-references.ts";

test("finds attributes, imports and CSS urls that load another origin", () => {
  const html = `<link href="https://fonts.googleapis.com/css2?x"><script src='//cdn.example/x.js'></script>
<img src=http://example.org/a.png>`;
  assert.deepEqual(externalReferences(html), ["https://fonts.googleapis.com/css2?x", "//cdn.example/x.js", "http://example.org/a.png"]);
  assert.deepEqual(externalReferences(`import x from "https://cdn.jsdelivr.net/npm/d3/+esm"; await import('https://esm.sh/y')`), [
    "https://cdn.jsdelivr.net/npm/d3/+esm",
    "https://esm.sh/y",
  ]);
  assert.deepEqual(externalReferences(`@font-face{src:url(https://fonts.gstatic.com/a.woff2)}`), ["https://fonts.gstatic.com/a.woff2"]);
});

test("ignores local references, data URLs and URLs that are only text", () => {
  const local = `<link href="./_observablehq/theme.css"><script src="/_npm/d3.js"></script>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E">
<a href="#top">top</a> // see https://github.com/state-spaces/mamba for details
const ns = "http://www.w3.org/2000/svg"; url(data:font/woff2;base64,AAAA)`;
  assert.deepEqual(externalReferences(local), []);
});
