/** `mamba scan --case FILE.json`: one selective scan in the golden scan-case format. */
import { parseScanCase, scanOutputsToJson } from "../engine/scan-case.js";
import { selectiveScan } from "../engine/selective-scan.js";
import { parseOptions, requiredOption } from "./args.js";
import type { Command } from "./command.js";
import { readJson } from "./files.js";

export const scanCommand: Command = {
  summary: "run one selective scan case (inputs u, delta, A, B, C, optional D, z, rule) and print out, y_no_skip_no_gate, final_state",
  usage: "scan --case FILE.json",
  run(argv, output) {
    const options = parseOptions(argv, ["case"]);
    const inputs = parseScanCase(readJson(requiredOption(options, "case")));
    output.stdout(JSON.stringify(scanOutputsToJson(inputs, selectiveScan(inputs))) + "\n");
  },
};
