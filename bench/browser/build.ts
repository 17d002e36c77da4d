/**
 * Builds the GPU host's browser benchmark into OUTDIR (an ignored folder that a device call carries):
 * the bundled page (gpu-page.ts) and driver (gpu-host.ts), the transformers reference script, and
 * run.sh, which on the GPU host (inside ../shared/tools/gpu-browser's `device.sh exec`) writes the
 * seeded mamba-130m-shaped checkpoint with bench/hf_mamba_reference.py, links it and the repository
 * beside the page, and runs the driver.
 *   npx tsx bench/browser/build.ts .devrun/kernel-browser
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const out = resolve(process.argv[2] ?? ".devrun/kernel-browser");
const here = import.meta.dirname;
mkdirSync(join(out, "site"), { recursive: true });
await build({ entryPoints: [join(here, "gpu-page.ts")], bundle: true, format: "esm", outfile: join(out, "site", "page.js"), logLevel: "warning" });
await build({
  entryPoints: [join(here, "gpu-host.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  external: ["playwright-core"],
  outfile: join(out, "gpu-host.mjs"),
  logLevel: "warning",
});
writeFileSync(
  join(out, "site", "index.html"),
  `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>GPU benchmark</title><script type="module" src="./page.js"></script>`,
);
copyFileSync(join(here, "..", "hf_mamba_reference.py"), join(out, "hf_mamba_reference.py"));
writeFileSync(
  join(out, "run.sh"),
  `#!/usr/bin/env bash
# On the GPU host, from the repository root: bash .gpubrowser/device.sh exec bash THIS_FOLDER/run.sh [gpu-host.mjs options]
set -u
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONUNBUFFERED=1
exec > >(tee "$OUT/browser-log.txt") 2>&1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv
nvidia-smi --query-gpu=timestamp,clocks.sm,utilization.gpu --format=csv -lms 500 > "$OUT/browser-clocks.csv" &
smi=$!
# Python outside the browser bundle's libraries (device.sh points LD_LIBRARY_PATH at Chromium's).
timeout 90 env -u LD_LIBRARY_PATH python3 "$here/hf_mamba_reference.py" /tmp/m130 --runs=2 --decode=64 || echo "hf: exit $?"
ln -sfn "$(pwd)" "$here/site/repo"
ln -sfn /tmp/m130 "$here/site/model"
timeout -k 10 "\${KERNEL_BROWSER_TIMEOUT:-420}" "$NODE" "$here/gpu-host.mjs" --root="$here/site" "$@" || echo "browser: exit $?"
kill $smi
`,
);
console.log(`built ${out}`);
