/**
 * The hidden attention matrix M and Mamba-2's state space dual forms (src/engine/hidden-attention.ts)
 * against the reference scan and HuggingFace: y = M u on the golden cases and random shapes for both
 * B rules, M as the sum of its rank-one semiseparable state terms, the chunked SSD algorithm = the
 * quadratic form = the scan for the scalar-A variant at chunk sizes that do and do not divide L, and the
 * LTI twin's M as a Toeplitz matrix holding the convolution kernel.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { silu } from "../../src/engine/activations.js";
import { loadCharModel, contextIds } from "../../src/engine/char-lm.js";
import { loadMambaCheckpoint } from "../../src/engine/checkpoint.js";
import { inputScale } from "../../src/engine/discretise.js";
import { EngineError } from "../../src/engine/errors.js";
import {
  channelOfLayer,
  channelOfScan,
  channelScanInputs,
  decaySums,
  firstColumn,
  hiddenAttention,
  layerSummary,
  mixTokens,
  normalisedMagnitude,
  numericalRank,
  scalarDecayVariant,
  scanChannel,
  ssdChunked,
  ssdFactors,
  stateTerm,
  toeplitzDeparture,
  type ChannelScan,
  type LayerScan,
} from "../../src/engine/hidden-attention.js";
import { ltiKernel } from "../../src/engine/kernel.js";
import { lmForward } from "../../src/engine/model.js";
import { parseScanCase, randomScanCase } from "../../src/engine/scan-case.js";
import { selectiveScan } from "../../src/engine/selective-scan.js";
import type { BRule } from "../../src/engine/types.js";
import { GOLDEN, LM_CASES, REPO_ROOT, SCAN_CASES, maxAbsDifference, readGoldenJson, relativeError } from "./engine-helpers.js";

/** max |a − b| / max(1, max |b|) must stay at float64 rounding. */
const TIGHT = 1e-12;

function scale(values: ArrayLike<number>): number {
  let largest = 1;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return largest;
}

/** Every channel of every batch row of a scan case: y = M u must be the reference scan's y. */
function assertMatrixReproducesScan(inputs: ReturnType<typeof parseScanCase>, expectedY: ArrayLike<number>, label: string): void {
  const { batch, channels, length: L } = inputs;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const channel = channelOfScan(inputs, c, b);
      const y = mixTokens(hiddenAttention(channel), channel.u);
      const expected = Array.from(expectedY).slice((b * channels + c) * L, (b * channels + c + 1) * L);
      assert.ok(relativeError(y, expected) <= TIGHT, `${label} batch ${b} channel ${c}: relative error ${relativeError(y, expected)}`);
    }
  }
}

for (const name of SCAN_CASES) {
  test(`${name}: M u equals the golden y_no_skip_no_gate for every channel`, () => {
    const golden = readGoldenJson("scan", `${name}.json`);
    assertMatrixReproducesScan(parseScanCase(golden), golden.y_no_skip_no_gate.data, name);
  });
}

function layerOf(run: ReturnType<typeof lmForward>, layer: number, config: { dInner: number; dState: number }, rule: BRule): LayerScan {
  const block = run.layers[layer];
  return { length: run.length, channels: config.dInner, state: config.dState, u: block.u, delta: block.delta, A: block.A, B: block.B, C: block.C, rule };
}

for (const name of LM_CASES) {
  test(`${name}: built from HuggingFace's x_conv, Δ, B, C, (M u + D u)·SiLU(z) is HF's y_gated in every layer`, () => {
    const golden = readGoldenJson(name, "case.json");
    const model = loadMambaCheckpoint(readGoldenJson(name, "config.json"), readFileSync(join(GOLDEN, name, "model.safetensors")));
    const { dInner, dState } = model.config;
    const [batch, L] = golden.layers[0].delta.shape;
    golden.layers.forEach((layer: Record<string, { data: number[] }>, i: number) => {
      const mixer = model.layers[i].mixer;
      for (let b = 0; b < batch; b++) {
        const rows = (values: number[], width: number) => Float64Array.from(values.slice(b * L * width, (b + 1) * L * width));
        const scan: LayerScan = {
          length: L,
          channels: dInner,
          state: dState,
          u: rows(layer.x_conv.data, dInner),
          delta: rows(layer.delta.data, dInner),
          A: Float64Array.from(mixer.ALog, (v) => -Math.exp(v)),
          B: rows(layer.B.data, dState),
          C: rows(layer.C.data, dState),
          rule: "mamba",
        };
        const z = rows(layer.z.data, dInner);
        const expected = rows(layer.y_gated.data, dInner);
        for (let c = 0; c < dInner; c++) {
          const channel = channelOfLayer(scan, c);
          const y = mixTokens(hiddenAttention(channel), channel.u);
          const gated = Float64Array.from(y, (v, t) => (v + mixer.D[c] * channel.u[t]) * silu(z[t * dInner + c]));
          const want = Float64Array.from({ length: L }, (_, t) => expected[t * dInner + c]);
          assert.ok(relativeError(gated, want) <= 1e-9, `${name} layer ${i} batch ${b} channel ${c}: ${relativeError(gated, want)}`);
        }
      }
    });
  });
}

const RANDOM_SHAPES = [
  { channels: 1, length: 1, state: 1 },
  { channels: 3, length: 17, state: 5 },
  { channels: 2, length: 40, state: 16 },
  { channels: 4, length: 9, state: 2 },
];

for (const rule of ["mamba", "zoh"] as const) {
  RANDOM_SHAPES.forEach((shape, i) => {
    test(`random shape ${JSON.stringify(shape)}, rule ${rule}: M u = scan y; M = Σ_n of its rank-one semiseparable state terms`, () => {
      const inputs = randomScanCase({ batch: 2, ...shape }, rule, 100 + i, false);
      assertMatrixReproducesScan(inputs, selectiveScan(inputs).y, `random ${i}`);
      const channel = channelOfScan(inputs, shape.channels - 1, 1);
      const matrix = hiddenAttention(channel);
      const sum = new Float64Array(matrix.length);
      const L = shape.length;
      for (let n = 0; n < shape.state; n++) {
        const term = stateTerm(channel, n);
        term.forEach((v, j) => (sum[j] += v));
        // Any block at or below the diagonal of a state term has rank one.
        if (L >= 4) {
          const half = Math.floor(L / 2);
          assert.equal(numericalRank(term, L, { row0: half, rows: L - half, column0: 0, columns: half }), 1, `term ${n}`);
        }
        // The explicit formula for one entry: C_t[n] exp(A[n] Σ Δ) (B̄/B) B_s[n].
        const [t, s] = [L - 1, 0];
        let exponent = 0;
        for (let r = s + 1; r <= t; r++) exponent += channel.delta[r];
        const entry = channel.C[t * shape.state + n] * Math.exp(channel.A[n] * exponent) * inputScale(rule, channel.A[n], channel.delta[s]) * channel.B[s * shape.state + n];
        assert.ok(Math.abs(term[t * L + s] - entry) <= 1e-14 * Math.max(1, Math.abs(entry)));
      }
      assert.ok(maxAbsDifference(sum, matrix) <= TIGHT * scale(matrix), "Σ_n M⁽ⁿ⁾ ≠ M");
      // Causal: nothing above the diagonal.
      for (let t = 0; t < L; t++) for (let s = t + 1; s < L; s++) assert.equal(matrix[t * L + s], 0);
      if (L >= 2 * shape.state) {
        const half = Math.floor(L / 2);
        assert.ok(numericalRank(matrix, L, { row0: half, rows: L - half, column0: 0, columns: half }) <= shape.state);
      }
    });
  });
}

test("decay sums are running sums: S[t,s] = Σ_{r=s+1..t} Δ_r, zero on and above the diagonal", () => {
  const sums = decaySums([0.5, 1, 2, 4]);
  assert.deepEqual(Array.from(sums), [0, 0, 0, 0, 1, 0, 0, 0, 3, 2, 0, 0, 7, 6, 4, 0]);
});

function randomChannel(length: number, state: number, rule: BRule, seed: number): ChannelScan {
  return channelOfScan(randomScanCase({ batch: 1, channels: 1, length, state }, rule, seed, false), 0);
}

for (const rule of ["mamba", "zoh"] as const) {
  test(`rule ${rule}: for the scalar-A variant, L ∘ (C B̄ᵀ) = M, and the chunked algorithm = quadratic form = scan at every chunk size`, () => {
    const L = 23;
    const channel = randomChannel(L, 6, rule, rule === "mamba" ? 7 : 8);
    const { a, variant } = scalarDecayVariant(channel);
    assert.ok(Math.abs(a - channel.A.reduce((p, v) => p + v, 0) / 6) < 1e-15);
    assert.ok(variant.A.every((v) => v === a));
    assert.deepEqual(variant.u, channel.u);
    const factors = ssdFactors(variant);
    const matrix = hiddenAttention(variant);
    assert.ok(maxAbsDifference(factors.matrix, matrix) <= TIGHT * scale(matrix));
    // L is 1-semiseparable: 1 on the diagonal, and rank one below it.
    for (let t = 0; t < L; t++) assert.equal(factors.mask[t * L + t], 1);
    assert.equal(numericalRank(factors.mask, L, { row0: 11, rows: 12, column0: 0, columns: 11 }), 1);
    const scanned = scanChannel(variant);
    const quadratic = mixTokens(factors.matrix, variant.u);
    assert.ok(relativeError(quadratic, scanned) <= TIGHT);
    const finalState = selectiveScan(channelScanInputs(variant)).finalState;
    for (const chunkSize of [1, 2, 4, 5, 7, 16, 23, 40]) {
      const chunked = ssdChunked(variant, chunkSize);
      assert.equal(chunked.chunks.length, Math.ceil(L / chunkSize), `Q = ${chunkSize}`);
      assert.ok(relativeError(chunked.y, scanned) <= TIGHT, `Q = ${chunkSize}: ${relativeError(chunked.y, scanned)}`);
      const last = chunked.chunks[chunked.chunks.length - 1];
      assert.ok(relativeError(last.stateOut, finalState) <= TIGHT, `Q = ${chunkSize}: final state`);
      for (const [k, chunk] of chunked.chunks.entries()) {
        // Each diagonal block is the block of M; each chunk's state is the previous chunk's.
        const q = chunk.end - chunk.start;
        for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) assert.ok(Math.abs(chunk.diagonalBlock[i * q + j] - matrix[(chunk.start + i) * L + chunk.start + j]) <= TIGHT * scale(matrix));
        if (k > 0) assert.deepEqual(chunk.stateIn, chunked.chunks[k - 1].stateOut);
      }
    }
    // The variant is not the trained channel: its y differs.
    assert.ok(maxAbsDifference(scanned, scanChannel(channel)) > 1e-3);
  });
}

test("the dual form refuses a channel whose states have different A, and a chunk size that is not a positive integer", () => {
  const channel = randomChannel(5, 3, "mamba", 3);
  assert.throws(() => ssdFactors(channel), (error: unknown) => error instanceof EngineError && /scalar A/.test(error.message));
  const { variant } = scalarDecayVariant(channel);
  assert.throws(() => ssdChunked(variant, 0), EngineError);
  assert.throws(() => ssdChunked(variant, 2.5), EngineError);
  assert.throws(() => hiddenAttention({ ...channel, B: new Float64Array(3) }), /B has 3 values, expected 15/);
  assert.throws(() => stateTerm(channel, 3), /state 3 is outside 0..2/);
});

test("normalised magnitude: |M| min–max over t ≥ s, in [0, 1], zero above the diagonal", () => {
  const matrix = [2, 0, -4, 1];
  assert.deepEqual(Array.from(normalisedMagnitude(matrix, 2)), [1 / 3, 0, 1, 0]);
  assert.deepEqual(Array.from(normalisedMagnitude([3, 0, 3, 3], 2)), [0, 0, 0, 0]);
});

test("layer summary: the mean over channels of the normalised |M_c|", () => {
  const inputs = randomScanCase({ batch: 1, channels: 3, length: 6, state: 4 }, "mamba", 21, false);
  const tokenMajor = (values: ArrayLike<number>, width: number) => Float64Array.from({ length: 6 * width }, (_, i) => values[(i % width) * 6 + Math.floor(i / width)]);
  const layer: LayerScan = { length: 6, channels: 3, state: 4, u: tokenMajor(inputs.u, 3), delta: tokenMajor(inputs.delta, 3), A: inputs.A, B: tokenMajor(inputs.B, 4), C: tokenMajor(inputs.C, 4), rule: "mamba" };
  const expected = new Float64Array(36);
  for (let c = 0; c < 3; c++) normalisedMagnitude(hiddenAttention(channelOfScan(inputs, c)), 6).forEach((v, i) => (expected[i] += v / 3));
  assert.ok(maxAbsDifference(layerSummary(layer), expected) < 1e-15);
  assert.ok(layerSummary(layer).every((v) => v >= 0 && v <= 1));
});

function loadChar(name: string) {
  const dir = join(REPO_ROOT, "data/models", name);
  return loadCharModel(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), readFileSync(join(dir, "model.safetensors")), JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), name);
}

test("the character models: M u is the block's y; the LTI twin's M is Toeplitz with the kernel K̄ on its diagonals, the selective model's is not", () => {
  const text = "the cat sat on the mat";
  for (const [name, toeplitz] of [["char-lti", true], ["char-selective", false]] as const) {
    const { model, tokenizer } = loadChar(name);
    const { ids } = contextIds(tokenizer, text);
    const run = lmForward(model, [ids]);
    const { dInner, dState } = model.config;
    for (const layerIndex of [0, 3]) {
      const layer = layerOf(run, layerIndex, { dInner, dState }, "mamba");
      for (const c of [1, 100, 511]) {
        const channel = channelOfLayer(layer, c);
        const matrix = hiddenAttention(channel);
        const y = Float64Array.from({ length: run.length }, (_, t) => run.layers[layerIndex].y[t * dInner + c]);
        assert.ok(relativeError(mixTokens(matrix, channel.u), y) <= TIGHT, `${name} layer ${layerIndex} channel ${c}`);
        const departure = toeplitzDeparture(matrix, run.length) / scale(matrix);
        if (toeplitz) {
          assert.ok(departure < 1e-12, `${name}: departure ${departure}`);
          // Δ, B, C are the same at every token, so the diagonal ℓ holds K̄_ℓ = Σ_n C_n B̄_n Ā_n^ℓ.
          const aBar = channel.A.map((a) => Math.exp(channel.delta[0] * a));
          const bBar = channel.A.map((a, n) => channel.delta[0] * channel.B[n]);
          const kernel = ltiKernel(aBar, bBar, channel.C.subarray(0, dState), run.length);
          assert.ok(relativeError(firstColumn(matrix, run.length), kernel) <= TIGHT);
        } else {
          assert.ok(departure > 1e-3, `${name}: the selective M looks Toeplitz (${departure})`);
        }
      }
    }
  }
});
