/**
 * `npm run data:char-card`: writes model-card.json and model-card.md of both character models from the files
 * beside them (scripts/char-card/card.ts says which, and which command writes each). `--check` writes nothing and
 * exits 1 if a committed card differs from what the files give (test/unit/char-lm.test.ts runs the same check).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildCard, modelFolder, ROOT, VARIANTS, type Variant } from "./char-card/card.ts";
import { deltaFindings, renderCharModelCard } from "./char-card/render.ts";

/** The two files of a variant's card, by path relative to the repository root. */
export function cardFiles(variant: Variant): Record<string, string> {
  const card = buildCard(variant);
  return {
    [`${modelFolder(variant)}/model-card.json`]: `${JSON.stringify(card, null, 2)}\n`,
    [`${modelFolder(variant)}/model-card.md`]: renderCharModelCard(card, deltaFindings(card)),
  };
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = false;
  for (const variant of VARIANTS) {
    for (const [path, text] of Object.entries(cardFiles(variant))) {
      const full = join(ROOT, path);
      if (!check) writeFileSync(full, text);
      else if (!existsSync(full) || readFileSync(full, "utf8") !== text) {
        console.error(`${path} is out of date: run npm run data:char-card`);
        stale = true;
      }
    }
  }
  if (stale) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) main();
