import assert from "node:assert/strict";
import { test } from "node:test";
import { csvField, fileName, formatNumber, texNumber, toCsv, toJsonRecords } from "../../src/components/format.ts";

test("toCsv writes the header and rows with CRLF, quoting fields that need it", () => {
  const csv = toCsv({ columns: ["series", "x", "y"], rows: [["euler", 0, 1], ['say "hi", twice', 1, 0.5]] });
  assert.equal(csv, 'series,x,y\r\neuler,0,1\r\n"say ""hi"", twice",1,0.5\r\n');
});

test("csvField keeps full precision and writes non-finite numbers as words", () => {
  assert.equal(csvField(0.1 + 0.2), "0.30000000000000004");
  assert.equal(csvField(NaN), "NaN");
  assert.equal(csvField(-Infinity), "-Infinity");
  assert.equal(csvField("line\nbreak"), '"line\nbreak"');
});

test("toCsv refuses a row whose width differs from the header", () => {
  assert.throws(() => toCsv({ columns: ["a", "b"], rows: [[1]] }), /row 0 has 1 cells, the header has 2/);
});

test("toJsonRecords gives records keyed by column and always parses", () => {
  const parsed = JSON.parse(toJsonRecords("fig", { delta: 0.5 }, { columns: ["k", "h"], rows: [[0, 1], [1, Infinity]] }));
  assert.deepEqual(parsed, { figure: "fig", params: { delta: 0.5 }, columns: ["k", "h"], data: [{ k: 0, h: 1 }, { k: 1, h: "Infinity" }] });
});

test("fileName joins id and parameters in order, file-safe, negatives as m", () => {
  assert.equal(fileName("zoh-vs-euler", { delta: 0.5, rule: "zoh" }, "svg"), "zoh-vs-euler_delta-0.5_rule-zoh.svg");
  assert.equal(fileName("kit-free-response", { a: -1.5, delta: 1 / 3 }, "2x.png"), "kit-free-response_a-m1.5_delta-0.333333.2x.png");
  assert.equal(fileName("Fig 1", { "Δ step": "a/b<c>" }, "csv"), "fig-1_step-a-b-c.csv");
  assert.ok(fileName("x", { long: "y".repeat(500) }, "json").length <= 125);
});

test("formatNumber and texNumber", () => {
  assert.equal(formatNumber(0.81873), "0.819");
  assert.equal(formatNumber(-2.5), "−2.5");
  assert.equal(formatNumber(1e-7), "1e−7");
  assert.equal(formatNumber(-2e-7), "−2e−7");
  assert.equal(formatNumber(123456), "1.23e+5");
  assert.equal(texNumber(0.000123), "1.23\\times10^{-4}");
  assert.equal(texNumber(-0.5), "-0.5");
  assert.equal(texNumber(Infinity), "\\infty");
});
