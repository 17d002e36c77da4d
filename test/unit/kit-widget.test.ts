import assert from "node:assert/strict";
import { test } from "node:test";
import { mambaBlockForward } from "../../src/engine/block.ts";
import { initMambaBlock } from "../../src/engine/init.ts";
import { createRandom } from "../../src/engine/random.ts";
import { buildOverrides, channelStates, embedTokens, isUnperturbed, tokenize, type PerturbationState } from "../../src/components/widget/perturbations.ts";

const dims = { dModel: 8, dInner: 16, dState: 16, dtRank: 1, convWidth: 4 };
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

test("channelStates reproduces the block's own h for one channel, with and without overrides", () => {
  const weights = initMambaBlock(dims, createRandom(5));
  const length = 6;
  const input = embedTokens(["a", "b", "c", "d", "e", "f"], 8, 5);
  for (const perturbation of [state({}), state({ deltaScale: 3, aScale: 0.5, zeroB: new Set([2]) })]) {
    const overrides = buildOverrides(perturbation, length, 16, 16);
    const block = mambaBlockForward(weights, input, 1, length, { overrides, states: true });
    const h = channelStates(block.delta, block.A, block.B, block.u, { length, channels: 16, state: 16 }, 3);
    for (let t = 0; t < length; t++) {
      for (let n = 0; n < 16; n++) assert.ok(Math.abs(h[t * 16 + n] - block.states![(t * 16 + 3) * 16 + n]) < 1e-14);
    }
  }
});
