import assert from "node:assert/strict";
import { test } from "node:test";
import { buildOverrides, clippedRange, describePerturbation, isUnperturbed, type PerturbationState } from "../../src/components/perturb/perturbation.ts";
import { parseTokenList } from "../../src/components/perturb/perturbation-panel.ts";
import { embedTokens, tokenize } from "../../src/components/widget/word-tokens.ts";
const state = (changes: Partial<PerturbationState>): PerturbationState => ({ range: [1, 2], deltaScale: 1, cScale: 1, channel: 3, aScale: 1, zeroB: new Set(), ...changes });

test("tokenize splits on whitespace and caps the sequence", () => {
  assert.deepEqual(tokenize("  the  cat\nsat "), { tokens: ["the", "cat", "sat"], dropped: 0 });
  assert.equal(tokenize(Array(30).fill("x").join(" ")).dropped, 6);
});

test("embedTokens: the same token gets the same vector, another seed another one", () => {
  const a = embedTokens(["the", "cat", "the"], 4, 1);
  assert.deepEqual(Array.from(a.subarray(0, 4)), Array.from(a.subarray(8, 12)));
  assert.notDeepEqual(Array.from(a.subarray(0, 4)), Array.from(embedTokens(["the"], 4, 2)));
});

test("buildOverrides touches exactly the chosen tokens, channel and rows", () => {
  assert.deepEqual(buildOverrides(state({}), 4, 16, 16), {});
  assert.ok(isUnperturbed(state({})));
  const overrides = buildOverrides(state({ deltaScale: 2, cScale: -1, aScale: 0, zeroB: new Set([0, 9]) }), 4, 16, 16);
  const deltaScale = Array.from(overrides.delta!.scale!);
  assert.deepEqual([deltaScale[0], deltaScale[16], deltaScale[47], deltaScale[48]], [1, 2, 2, 1]);
  assert.deepEqual([overrides.C!.scale![15], overrides.C!.scale![16], overrides.C!.scale![48]], [1, -1, 1]);
  assert.deepEqual([overrides.A!.scale![3 * 16 - 1], overrides.A!.scale![3 * 16], overrides.A!.scale![4 * 16]], [1, 0, 1]);
  const bSet = Array.from(overrides.B!.set!);
  assert.deepEqual([bSet[0], bSet[15]], [0, 0]);
  assert.ok(Number.isNaN(bSet[16]), "tokens not zeroed keep their computed B; token 9 is past the end and ignored");
});

test("the range is clipped to the sequence and read in either order; the description names what changes", () => {
  assert.deepEqual(clippedRange(state({ range: [5, 1] }), 4), [1, 3]);
  assert.deepEqual(clippedRange(state({ range: [6, 9] }), 4), [6, 3], "no tokens: first > last");
  assert.equal(describePerturbation(state({}), String, 4), "no perturbation");
  assert.equal(describePerturbation(state({ deltaScale: 0, zeroB: new Set([3, 0]) }), (t) => `t${t}`, 4), "Δ × 0 on t1…t2; B = 0 at t0, t3");
});

test("parseTokenList reads the positions a reader types and ignores the rest", () => {
  assert.deepEqual([...parseTokenList(" 3, 7;12 x -1 2.5 3")], [3, 7, 12]);
  assert.equal(parseTokenList("").size, 0);
});
