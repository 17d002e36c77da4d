/**
 * The GPU engine in real headless Chromium (SwiftShader): on WebGPU, WebGL2 and the CPU, the fused
 * scan (both layouts), the whole block and whole golden models (every tensor they return) agree with the float64 reference within 1e-4 (golden cases,
 * random shapes with awkward sizes, both B rules, overrides), the WGSL kernels within 1e-6, the WebGPU
 * decode step with lmStep on the character model and the golden checkpoints, no tensor leaks, no GPU
 * validation warning, sizes reuse the WGSL pipelines, and `?backend=` plus the fallback chain work.
 * The engine is bundled with esbuild into a temporary folder with a one-line page (test/browser/gpu-page.ts).
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_ARGS, describeProblems, launchChromium, openPage, type OpenedPage, useSite } from "./harness.js";
import type { RandomScanSpec, ScanErrors } from "./gpu-page.js";

const TOLERANCE = 1e-4;
/** The WGSL kernels' own bound (issue 21): float32 throughout, no approximate exponentials. */
const WGSL_TOLERANCE = 1e-6;
const ROOT = resolve(import.meta.dirname, "../..");
/** Checkpoints the decode step is checked on, served from the page's folder. */
const DECODE_MODELS = ["data/models/char-selective", "test/fixtures/golden/lm-tiny", "test/fixtures/golden/lm-odd-shapes", "test/fixtures/golden/lm-bias-large-delta"];
const GOLDEN_DIR = resolve(import.meta.dirname, "../fixtures/golden/scan");
const goldenCases = readdirSync(GOLDEN_DIR)
  .filter((name) => name.endsWith(".json"))
  .map((name) => ({ name, json: JSON.parse(readFileSync(join(GOLDEN_DIR, name), "utf8")) as unknown }));

/**
 * Random shapes: batch > 1; N ∈ {1, 4, 16, 64} and one N above a workgroup (130); L not a multiple of
 * 16 (the WGSL chunk) nor of the WebGL chunk ∛(2L); channel counts that leave workgroups partly empty.
 */
const randomShapes: Omit<RandomScanSpec, "rule" | "seed">[] = [
  { batch: 2, channels: 130, length: 23, state: 1, withGate: true },
  { batch: 3, channels: 9, length: 37, state: 4, withGate: false },
  { batch: 2, channels: 7, length: 130, state: 16, withGate: true },
  { batch: 2, channels: 3, length: 53, state: 64, withGate: true },
  { batch: 2, channels: 2, length: 17, state: 130, withGate: false },
];

/** The golden checkpoints with their ids: config.json, the safetensors bytes and case.json's input_ids. */
const LM_DIR = resolve(import.meta.dirname, "../fixtures/golden");
const goldenModels = ["lm-tiny", "lm-bias-large-delta", "lm-odd-shapes"].map((name) => ({
  name,
  config: JSON.parse(readFileSync(join(LM_DIR, name, "config.json"), "utf8")) as unknown,
  weights: Array.from(readFileSync(join(LM_DIR, name, "model.safetensors"))),
  ids: (JSON.parse(readFileSync(join(LM_DIR, name, "case.json"), "utf8")) as { input_ids: number[][] }).input_ids,
}));

let folder: string | undefined;

/** The engine bundled with esbuild into a temporary folder, with a one-line page; returns the folder. */
async function buildEnginePage(): Promise<string> {
  folder = mkdtempSync(join(tmpdir(), "gpu-engine-test-"));
  await build({
    entryPoints: [resolve(import.meta.dirname, "gpu-page.ts")],
    bundle: true,
    format: "esm",
    outfile: join(folder, "gpu-page.js"),
    logLevel: "warning",
  });
  for (const model of DECODE_MODELS) {
    mkdirSync(join(folder, model), { recursive: true });
    for (const file of ["config.json", "model.safetensors"]) copyFileSync(join(ROOT, model, file), join(folder, model, file));
  }
  writeFileSync(
    join(folder, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>GPU engine</title></head>
<body><span id="backend-badge" hidden></span><script type="module" src="./gpu-page.js"></script></body></html>`,
  );
  return folder;
}

const site = useSite(buildEnginePage);
after(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

async function openEngine(target: Browser, search: string): Promise<OpenedPage & { backend: string; reason: string }> {
  const opened = await openPage(target, site.server.origin, `/index.html${search}`);
  const { backend, reason } = await opened.page.evaluate(() => window.gpuTest.ready());
  return { ...opened, backend, reason };
}

function assertWithin(errors: ScanErrors | Record<string, number>, label: string, tolerance = TOLERANCE): void {
  for (const [name, error] of Object.entries(errors)) {
    assert.ok(error <= tolerance, `${label}: ${name} has relative error ${error} > ${tolerance}`);
  }
}

const randomScan = (page: Page, spec: RandomScanSpec, overridesSeed?: number): Promise<ScanErrors> =>
  page.evaluate(([s, o]) => window.gpuTest.random(s, o), [spec, overridesSeed] as const);

/**
 * WebGPU three times: with the kernel the engine picks for SwiftShader (sequential) and with the one
 * it picks for real GPUs (chunked), forced, with its own split (one or two channels per workgroup at
 * these sizes, 128 or 64 chunks, most past the end) and with 8 chunks of 16 channels (what batch-8
 * scans get; the shapes leave the last group partly empty).
 */
const configurations = [
  { requested: "webgpu", kernel: "sequential", search: "?backend=webgpu" },
  { requested: "webgpu", kernel: "chunked", search: "?backend=webgpu&kernel=chunked" },
  { requested: "webgpu", kernel: "chunked", search: "?backend=webgpu&kernel=chunked&slots=8" },
  { requested: "webgl", search: "?backend=webgl" },
  { requested: "cpu", search: "?backend=cpu" },
] as const;

for (const configuration of configurations) {
  const { requested, search } = configuration;
  const kernel = "kernel" in configuration ? configuration.kernel : undefined;
  describe(`the ${requested} backend${kernel ? `, ${kernel} kernel` : ""}${search.includes("slots") ? ", 8 chunks per channel" : ""}`, () => {
    let opened: Awaited<ReturnType<typeof openEngine>>;
    before(async () => {
      opened = await openEngine(site.browser, search);
    });
    after(async () => {
      await opened?.context.close();
    });

    test("is the one asked for, and the badge says so", async () => {
      assert.equal(opened.backend, requested, `fell back: ${opened.reason}`);
      const badge = await opened.page.evaluate(() => window.gpuTest.badge());
      assert.equal(badge.hidden, false);
      assert.match(badge.text, { webgpu: /WebGPU/, webgl: /WebGL2/, cpu: /CPU/ }[requested]);
      assert.equal(badge.title, opened.reason);
      if (kernel) {
        assert.equal(await opened.page.evaluate(() => window.gpuTest.kernel()), kernel);
        assert.match(opened.reason, new RegExp(`${kernel} scan kernel`));
      }
    });

    test("matches the golden scan cases", async () => {
      for (const { name, json } of goldenCases) {
        assertWithin(await opened.page.evaluate((j) => window.gpuTest.golden(j), json), name);
      }
    });

    test("matches the float64 reference on random shapes, both B rules, both layouts", async () => {
      const tolerance = kernel ? WGSL_TOLERANCE : TOLERANCE;
      const pipelinesBefore = requested === "webgpu" ? await opened.page.evaluate(() => window.gpuTest.pipelineCount()) : 0;
      for (const [i, shape] of randomShapes.entries()) {
        for (const rule of ["mamba", "zoh"] as const) {
          const spec = { ...shape, rule, seed: 100 + i };
          assertWithin(await randomScan(opened.page, spec), JSON.stringify(spec), tolerance);
          assertWithin(await opened.page.evaluate((s) => window.gpuTest.randomTokenMajor(s), spec), `token-major ${JSON.stringify(spec)}`, tolerance);
        }
      }
      if (requested === "webgpu") {
        const compiled = (await opened.page.evaluate(() => window.gpuTest.pipelineCount())) - pipelinesBefore;
        // The sequential kernel has one pipeline for every size, rule and gate (the probe compiled it);
        // the chunked one one per rule, layout and load width, whatever the sizes.
        const variants = await opened.page.evaluate((shapes) => window.gpuTest.chunkedVariantCount(shapes), randomShapes);
        assert.ok(compiled <= (kernel === "chunked" ? variants : 0), `${compiled} pipelines compiled for ${randomShapes.length * 4} scans`);
      }
    });

    test("applies overrides of Δ, A, B and C as the reference does", async () => {
      for (const rule of ["mamba", "zoh"] as const) {
        const spec = { batch: 2, channels: 5, length: 29, state: 16, withGate: true, rule, seed: 7 };
        assertWithin(await randomScan(opened.page, spec, 11), `overrides, ${rule}`);
      }
    });

    test("runs the whole block like mambaBlockForward", async () => {
      for (const [rule, overrides] of [["mamba", false], ["zoh", true], ["mamba", true]] as const) {
        const spec = { dModel: 12, dState: 16, batch: 2, length: 27, rule, seed: 21, overrides };
        assertWithin(await opened.page.evaluate((s) => window.gpuTest.block(s), spec), JSON.stringify(spec));
      }
    });

    test("runs the golden checkpoints: every tensor of every layer (h per token too) as the reference computes it", async () => {
      for (const { name, config, weights, ids } of goldenModels) {
        const worst = await opened.page.evaluate(([c, w, i]) => window.gpuTest.model(c, w, i), [config, weights, ids] as const);
        assert.ok(worst.relative <= TOLERANCE, `${name}: ${worst.field} of layer ${worst.layer} differs by ${worst.relative}`);
      }
    });

    test("keeps the tensor count constant across forwards", async () => {
      const counts = await opened.page.evaluate(() => window.gpuTest.tensorCounts(4));
      assert.ok(counts.every((count) => count === counts[0]), `tensor counts ${counts.join(", ")}`);
    });

    if (requested === "webgpu" && kernel === "sequential") {
      test("decodes like lmStep on the character model and the golden checkpoints, with GPU and software lanes", async () => {
        for (const model of DECODE_MODELS) {
          for (const softwareLanes of [true, false]) {
            const errors = await opened.page.evaluate(([m, lanes]) => window.gpuTest.decode(m, 4, lanes), [model, softwareLanes] as const);
            const { tensorsLeft, ...logitErrors } = errors;
            assertWithin(logitErrors, `${model}, ${softwareLanes ? "software" : "GPU"} lanes`);
            assert.equal(tensorsLeft, 0, `${model}: the decoder left ${tensorsLeft} tfjs tensors`);
          }
        }
      });
    }

    test("its decoder steps like lmStep, reads its state back and resumes from a saved state", async () => {
      for (const model of DECODE_MODELS.slice(0, 2)) {
        const { position, ...errors } = await opened.page.evaluate((m) => window.gpuTest.engineDecode(m, 3), model);
        assertWithin(errors, `${model}, the engine's decoder`);
        assert.equal(position, 0, `${model}: a resumed decoder's position is off by ${position}`);
      }
    });

    test("logs no error and no GPU validation warning", () => {
      assert.equal(describeProblems(opened.problems), "");
    });
  });
}

describe("backend choice", () => {
  test("an unknown ?backend= is ignored and the best backend is chosen", async () => {
    const opened = await openEngine(site.browser, "?backend=quantum");
    try {
      assert.equal(opened.backend, "webgpu", opened.reason);
      assert.equal(describeProblems(opened.problems), "");
    } finally {
      await opened.context.close();
    }
  });

  test("without WebGPU the engine falls back to WebGL2 and says why; without WebGL2 too, to the CPU", async () => {
    const withoutWebGPU = CHROMIUM_ARGS.filter((arg) => !/webgpu|vulkan/i.test(arg));
    // Chromium keeps WebGL2 on OffscreenCanvas under --disable-3d-apis; only no GPU process at all removes it.
    const withoutAnyGpu = [...withoutWebGPU.filter((arg) => !/swiftshader/i.test(arg)), "--disable-gpu", "--disable-software-rasterizer"];
    for (const [args, expected, because] of [
      [withoutWebGPU, "webgl", /WebGPU \((this browser has no WebGPU|no WebGPU adapter)\)/],
      [withoutAnyGpu, "cpu", /WebGL2 \(no WebGL2 context\)/],
    ] as const) {
      const limited = await launchChromium(args);
      try {
        const opened = await openEngine(limited, "?backend=webgpu");
        assert.equal(opened.backend, expected, opened.reason);
        assert.match(opened.reason, because);
        const badge = await opened.page.evaluate(() => window.gpuTest.badge());
        assert.equal(badge.title, opened.reason);
        // Chromium itself warns when asked for an adapter with no GPU process; that is the point here.
        const { problems } = opened;
        problems.consoleWarnings = problems.consoleWarnings.filter((text) => text !== "Failed to create WebGPU Context Provider");
        assert.equal(describeProblems(problems), "");
      } finally {
        await limited.close();
      }
    }
  });
});

