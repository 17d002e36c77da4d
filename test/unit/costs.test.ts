import assert from "node:assert/strict";
import { test } from "node:test";
import {
  attentionGenerationMemory,
  attentionOperations,
  convolutionGenerationMemory,
  fftConvolutionOperations,
  scanGenerationMemory,
  scanOperations,
} from "../../src/engine/costs.js";

const sizes = { channels: 128, state: 16, width: 64 };

test("the scan's operations grow linearly with L and its generation memory not at all", () => {
  assert.equal(scanOperations(1000, sizes), 3 * 1000 * 128 * 16);
  assert.equal(scanOperations(2000, sizes) / scanOperations(1000, sizes), 2);
  assert.equal(scanGenerationMemory(10, sizes), scanGenerationMemory(100000, sizes));
  assert.equal(scanGenerationMemory(10, sizes), 128 * 16);
});

test("the FFT convolution grows like L log L: 2L points padded to a power of two", () => {
  // L = 512: n = 1024, log₂ n = 10.
  assert.equal(fftConvolutionOperations(512, sizes), 128 * (16 * 512 + 3 * 512 * 10 + 1024));
  const ratio = fftConvolutionOperations(1 << 16, sizes) / fftConvolutionOperations(1 << 15, sizes);
  assert.ok(ratio > 2 && ratio < 2.2, `ratio ${ratio}`);
  assert.equal(convolutionGenerationMemory(300, sizes), 128 * 300);
});

test("attention's operations grow like L² once L exceeds d, and its KV cache like L", () => {
  assert.equal(attentionOperations(100, sizes), 4 * 100 * 64 * 64 + 2 * 100 * 100 * 64);
  const ratio = attentionOperations(1 << 16, sizes) / attentionOperations(1 << 15, sizes);
  assert.ok(ratio > 3.9 && ratio < 4, `ratio ${ratio}`);
  assert.equal(attentionGenerationMemory(1000, sizes), 2 * 1000 * 64);
  // Past a few thousand tokens attention costs more than the scan.
  assert.ok(attentionOperations(4096, sizes) > scanOperations(4096, sizes));
});
