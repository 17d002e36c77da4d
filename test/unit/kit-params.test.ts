import assert from "node:assert/strict";
import { test } from "node:test";
import { clampToSpec, keyStep, parseParam, withParams, type NumberSpec, type ParamSpec } from "../../src/components/params.ts";

const delta: NumberSpec = { kind: "number", min: 0.01, max: 3, step: 0.01, value: 0.5 };

test("a number in range is kept, snapped to the step grid", () => {
  assert.deepEqual(parseParam("delta", delta, "1.234"), { value: 1.23 });
  assert.deepEqual(parseParam("delta", delta, null), { value: 0.5 });
});

test("an out-of-range number is clamped with a note naming the range", () => {
  const parsed = parseParam("delta", delta, "99");
  assert.equal(parsed.value, 3);
  assert.match(parsed.note ?? "", /delta: “99” is outside 0.01…3; clamped to 3/);
  assert.equal(parseParam("delta", delta, "-1e9").value, 0.01);
});

test("a value that is not a number is ignored with a note, whatever it holds", () => {
  for (const raw of ["abc", "", "<script>alert(1)</script>", "Infinity", "0x"]) {
    const parsed = parseParam("delta", delta, raw);
    assert.equal(parsed.value, 0.5, raw);
    assert.match(parsed.note ?? "", /ignored/, raw);
  }
});

test("choices outside the list are ignored; long text is cut; long raw values are shortened in notes", () => {
  const rule: ParamSpec = { kind: "choice", options: ["euler", "zoh"], value: "zoh" };
  assert.deepEqual(parseParam("rule", rule, "euler"), { value: "euler" });
  const bad = parseParam("rule", rule, "x".repeat(100));
  assert.equal(bad.value, "zoh");
  assert.ok((bad.note ?? "").includes("x".repeat(40) + "…") && !(bad.note ?? "").includes("x".repeat(41)));
  const text = parseParam("tokens", { kind: "text", maxLength: 5, value: "" }, "abcdefgh");
  assert.equal(text.value, "abcde");
  assert.match(text.note ?? "", /cut to its first 5/);
});

test("clampToSpec removes binary noise", () => {
  assert.equal(clampToSpec(delta, 0.1 + 0.2), 0.3);
  assert.equal(clampToSpec({ kind: "number", min: -5, max: -0.1, step: 0.1, value: -1 }, -0.1), -0.1);
});

test("withParams writes changed values, drops defaults, keeps foreign parameters", () => {
  const specs = { delta, rule: { kind: "choice", options: ["euler", "zoh"], value: "zoh" } as ParamSpec };
  assert.equal(withParams("?backend=cpu", specs, { delta: 0.7, rule: "zoh" }), "?backend=cpu&delta=0.7");
  assert.equal(withParams("?delta=0.7", specs, { delta: 0.5 }), "");
  assert.equal(withParams("", specs, { unknown: 3 }), "");
});

test("keyStep: arrows, page keys and Home/End, clamped", () => {
  assert.equal(keyStep(delta, 0.5, "ArrowRight"), 0.51);
  assert.equal(keyStep(delta, 0.5, "ArrowDown"), 0.49);
  assert.equal(keyStep(delta, 0.5, "PageUp"), 0.8);
  assert.equal(keyStep(delta, 0.1, "PageDown"), 0.01);
  assert.equal(keyStep(delta, 0.5, "Home"), 0.01);
  assert.equal(keyStep(delta, 0.5, "End"), 3);
  assert.equal(keyStep(delta, 0.5, "a"), undefined);
});
