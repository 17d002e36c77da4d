/** The built site references no other origin: every src, href, import and CSS url() stays local. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { test } from "node:test";
import { DIST, requireBuiltSite } from "./harness.ts";
import { externalReferences } from "../../scripts/external-references.ts";

function* filesUnder(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

test("dist/ has no src, href, import or url() pointing at another origin", () => {
  requireBuiltSite();
  const found: string[] = [];
  let scanned = 0;
  for (const file of filesUnder(DIST)) {
    if (![".html", ".js", ".css"].includes(extname(file))) continue;
    scanned++;
    for (const reference of externalReferences(readFileSync(file, "utf8"))) found.push(`${relative(DIST, file)}: ${reference}`);
  }
  assert.ok(scanned > 5, `only ${scanned} files scanned; is dist/ built?`);
  assert.deepEqual(found, []);
});
