/** The CLI's sub-commands; add a new one by adding an entry here. */
import { generateCommand } from "./char-commands.js";
import type { Command } from "./command.js";
import { evalCommand } from "./eval.js";
import { forwardCommand } from "./forward.js";
import { scanCommand } from "./scan.js";

export const COMMANDS: Record<string, Command> = {
  forward: forwardCommand,
  scan: scanCommand,
  eval: evalCommand,
  generate: generateCommand,
};
