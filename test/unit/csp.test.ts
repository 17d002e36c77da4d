import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTENT_SECURITY_POLICY, withCsp } from "../../scripts/add-csp.ts";

test("the policy allows only the site's own origin, data: and blob:", () => {
  for (const directive of CONTENT_SECURITY_POLICY.split("; ")) {
    const sources = directive.split(" ").slice(1);
    for (const source of sources) assert.match(source, /^('self'|'unsafe-inline'|'none'|data:|blob:)$/, directive);
  }
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval/);
});

test("withCsp puts the policy right after the charset, once", () => {
  const page = `<!DOCTYPE html><html><head>\n<meta charset="utf-8">\n<link rel="stylesheet" href="./a.css"></head></html>`;
  const once = withCsp(page);
  assert.ok(once.indexOf("Content-Security-Policy") < once.indexOf("a.css"));
  assert.ok(once.indexOf("Content-Security-Policy") > once.indexOf("charset"));
  assert.equal(withCsp(once), once);
  assert.throws(() => withCsp("<html><head></head></html>"), /no <meta charset>/);
});
