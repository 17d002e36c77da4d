/** Where display equations may break (components/tex.ts): top-level \allowbreak and \newline only. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { displayRuns, splitTopLevel } from "../../src/components/tex.ts";

test("an equation splits at its top-level \\allowbreaks, not inside braces or environments", () => {
  assert.deepEqual(splitTopLevel(String.raw`a = b \allowbreak = c`, String.raw`\allowbreak`), ["a = b", "= c"]);
  assert.deepEqual(splitTopLevel(String.raw`{a \allowbreak b} \allowbreak\quad c`, String.raw`\allowbreak`), [String.raw`{a \allowbreak b}`, String.raw`\quad c`]);
  assert.deepEqual(splitTopLevel(String.raw`\begin{aligned} a \allowbreak b \end{aligned}\allowbreak{x}`, String.raw`\allowbreak`), [String.raw`\begin{aligned} a \allowbreak b \end{aligned}`, "{x}"]);
  // Escaped braces are characters, and a longer command name is not the command.
  assert.deepEqual(splitTopLevel(String.raw`\{ a \allowbreak \} \allowbreaks`, String.raw`\allowbreak`), [String.raw`\{ a`, String.raw`\} \allowbreaks`]);
  assert.deepEqual(splitTopLevel(String.raw`x^2`, String.raw`\allowbreak`), ["x^2"]);
});

test("\\newline makes lines, \\allowbreak runs within them", () => {
  assert.deepEqual(displayRuns(String.raw`a \allowbreak b \newline c \newline \text{d \newline e}`), [["a", "b"], ["c"], [String.raw`\text{d \newline e}`]]);
});
