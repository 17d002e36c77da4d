/** Entry point: `npm run --silent mamba -- COMMAND [options]` (see run-cli.ts and docs/engine.md). */
import { runCli } from "./run-cli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
