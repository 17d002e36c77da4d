/**
 * The fused WGSL selective scan on a real GPU, without a browser: Node + Dawn (see dawn-globals.ts).
 * For every shape: GPU time of the kernel from timestamp queries (tfjs's tf.time kernelMs: the sum over
 * every dispatch of the scan), and, as a cross-check, wall time per scan over a burst of back-to-back
 * scans ended by a one-value readback; the first call's extra time (pipeline compilation); achieved
 * bandwidth against the memory-traffic floor (read u, Δ, z, B, C; write out and the final state); max
 * relative error of out against the float64 reference on the first 128 channels. Writes rows as JSON
 * to $OUT/gpu-bench.json if $OUT is set.
 *   bash .gpubench/run.sh [--shapes=1x2048x1536x16,...] [--runs=10] [--warm-up=2000] [--check-channels=128] [--naive] [--inputs=computed]
 *     [--layouts=channels-first,tokens-first] [--kernels=chunked,sequential]
 *     chunked: [--steps=8] [--workgroups=128] [--states=16] [--slots=auto,8,16,64]
 *     sequential: [--chunks=4,8] [--workgroups=64,128] [--states=1,4]
 * (all but --shapes, --runs, --warm-up, --layouts and --naive are for tuning; defaults: the engine's)
 */
import "./dawn-globals.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScanLayoutName } from "../src/engine/gpu/layout.js";
import { benchFused, benchNaive, scanVariants, uploadScan, type ScanTimingOptions } from "./scan-timing.js";
import { ALL_SHAPES, benchInputs, parseShapes, referenceChecker, shapeLabel, type BenchRow } from "./shapes.js";

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const shapes = option("shapes") ? parseShapes(option("shapes")!) : ALL_SHAPES;
const runs = Number(option("runs") ?? 10);
/** Milliseconds of back-to-back scans before the first configuration; later ones get a fifth of it. */
const warmUpMs = Number(option("warm-up") ?? 2000);
const withNaive = args.includes("--naive");
/** Channels per batch row checked against the float64 reference. */
const checkChannels = Number(option("check-channels") ?? 128);
const numbers = (name: string) => option(name)?.split(",").map(Number);
const splitChoices = (name: string) => (option(name) ?? "auto").split(",").map((text) => (text === "auto" ? undefined : Number(text)));
const timing: ScanTimingOptions = { runs, computedInputs: option("inputs") === "computed", backendLabel: "webgpu (Node + Dawn)" };
/** channels-first = the golden/CUDA layout (batch, channels, length); tokens-first = the block's (batch, length, channels). */
const layouts = (option("layouts") ?? "channels-first,tokens-first").split(",") as ScanLayoutName[];

const variants = scanVariants({
  kernels: (option("kernels") ?? "chunked").split(","),
  steps: numbers("steps"),
  chunks: numbers("chunks"),
  workgroups: numbers("workgroups"),
  states: numbers("states"),
  slots: splitChoices("slots"),
});

async function main(): Promise<void> {
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs could not start its WebGPU backend on Dawn");
  await tf.ready();
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string }; device: GPUDevice };
  const info = backend.adapterInfo ?? {};
  const device = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "unknown GPU";
  console.log(`device: ${device}; timestamp-query: ${backend.device.features.has("timestamp-query")}`);
  const rows: (BenchRow & Record<string, unknown>)[] = [];
  for (const shape of shapes) {
    let row: BenchRow & Record<string, unknown> = undefined!;
    const inputs = benchInputs(shape);
    const check = referenceChecker(inputs, checkChannels);
    for (const layout of layouts) {
      const scanInputs = await uploadScan(shape, inputs, layout, timing.computedInputs, check);
      for (const variant of variants) {
        try {
          row = await benchFused(scanInputs, device, variant, rows.length === 0 ? warmUpMs : warmUpMs / 5, timing);
        } catch (error) {
          // A tuning variant the device cannot run (too much workgroup memory, say) is reported, not fatal.
          console.log(`fused ${variant.label} ${layout} ${shapeLabel(shape)}: failed: ${String(error).slice(0, 300)}`);
          continue;
        }
        rows.push(row);
        // Written after every row, so a run stopped by a time limit keeps what it measured.
        if (process.env.OUT) writeFileSync(join(process.env.OUT, "gpu-bench.json"), JSON.stringify(rows, null, 2));
        console.log(
          `fused ${row.note} ${shapeLabel(shape)}: ${row.ms.toFixed(4)} ms GPU (${row.timing}); burst wall ${(row.burstWallMs as number).toFixed(4)} ms; ` +
            `compile ${row.compileMs!.toFixed(1)} ms; ${(row.achievedGBps as number).toFixed(0)} GB/s over a ${(row.trafficFloorMB as number).toFixed(1)} MB floor; maxRelErr ${row.maxRelErr!.toExponential(2)}`,
        );
      }
      tf.dispose(Object.values(scanInputs.tensors));
    }
    if (withNaive && shape.B * shape.L * shape.D * shape.N <= 1 << 23) {
      const naive = await benchNaive(shape, device, timing.backendLabel);
      rows.push({ ...naive });
      console.log(`naive-tfjs ${shapeLabel(shape)}: ${naive.ms.toFixed(2)} ms (${(naive.ms / row.ms).toFixed(0)}× the fused kernel); maxRelErr ${naive.maxRelErr!.toExponential(2)}`);
    }
  }
  if (process.env.OUT) writeFileSync(join(process.env.OUT, "gpu-bench.json"), JSON.stringify(rows, null, 2));
  printSummary(rows);
}

/** Per shape and layout: the engine's variant and the fastest one, GPU time and max relative error. */
function printSummary(rows: (BenchRow & Record<string, unknown>)[]): void {
  for (const shape of shapes) {
    for (const layout of layouts) {
      const mine = rows.filter((r) => r.impl === "fused" && r.layout === layout && shapeLabel(r) === shapeLabel(shape));
      if (mine.length === 0) continue;
      const best = mine.reduce((a, b) => (b.ms < a.ms ? b : a));
      const engines = mine.find((r) => r.engines);
      const text = (r: BenchRow & Record<string, unknown>) => `${r.ms.toFixed(4)} ms (err ${r.maxRelErr?.toExponential(1)})`;
      console.log(`summary ${shapeLabel(shape)} ${layout}: engine's ${engines ? text(engines) : "-"}; best ${text(best)} ${best.variant}; copy floor ${(best.copyFloorMs as number).toFixed(4)} ms`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
