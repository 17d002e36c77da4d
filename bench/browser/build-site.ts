/**
 * Builds the GPU host's run of the site itself (site-gpu.ts) into OUTDIR, an ignored folder that a device
 * call carries: the bundled driver, a copy of the built site (--dist, default dist-gpu) and run.sh, which on
 * the GPU host (inside ../shared/tools/gpu-browser's `device.sh exec`) links playwright-core beside the
 * driver, samples nvidia-smi and runs the driver. Build the site first:
 *   SITE_DIST=dist-gpu npm run build && npx tsx bench/browser/build-site.ts .devrun/site-gpu --dist=dist-gpu
 * (`npm run bench:site-gpu` does both). Then, on the GPU host: bash .gpubrowser/device.sh exec bash OUTDIR/run.sh
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const args = process.argv.slice(2);
const out = resolve(args.find((a) => !a.startsWith("--")) ?? ".devrun/site-gpu");
const dist = resolve(args.find((a) => a.startsWith("--dist="))?.slice(7) ?? "dist-gpu");
if (!existsSync(join(dist, "index.html"))) throw new Error(`no built site in ${dist}: SITE_DIST=${dist} npm run build first`);
const here = import.meta.dirname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "site-gpu.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  external: ["playwright-core"],
  outfile: join(out, "site-gpu.mjs"),
  logLevel: "warning",
});
// Entered through start.mjs: bench/budgets.ts runs its own main when its module URL is process.argv[1].
writeFileSync(join(out, "start.mjs"), `await import("./site-gpu.mjs");\n`);
cpSync(dist, join(out, "dist"), { recursive: true });
writeFileSync(
  join(out, "run.sh"),
  `#!/usr/bin/env bash
# On the GPU host, from the repository root: bash .gpubrowser/device.sh exec bash THIS_FOLDER/run.sh [site-gpu options]
set -u
here=$(cd "$(dirname "$0")" && pwd)
exec > >(tee "$OUT/site-log.txt") 2>&1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
nvidia-smi --query-gpu=timestamp,clocks.sm,utilization.gpu --format=csv -lms 500 > "$OUT/site-clocks.csv" &
smi=$!
[ -n "\${PLAYWRIGHT_CORE:-}" ] && ln -sfn "$(dirname "$PLAYWRIGHT_CORE")" "$here/node_modules"
timeout -k 10 "\${SITE_GPU_TIMEOUT:-360}" "\${NODE:-node}" "$here/start.mjs" --dist="$here/dist" "$@" || echo "site-gpu: exit $?"
kill $smi
`,
);
console.log(`built ${out}`);
