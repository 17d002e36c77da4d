/**
 * Dispatches `mamba COMMAND ...` to the table in commands.ts. Every failure becomes one line on
 * stderr and a non-zero exit code (1 bad input, 2 bad usage); never a stack trace.
 */
import { EngineError } from "../engine/errors.js";
import type { CliOutput } from "./command.js";
import { COMMANDS } from "./commands.js";

export interface CliStreams extends CliOutput {
  stderr(text: string): void;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  mamba ${command.usage}\n      ${command.summary}`);
  return `usage: npm run --silent mamba -- COMMAND [options]\n${lines.join("\n")}\n`;
}

/** Runs the CLI on argv (without node and script); returns the exit code. */
export async function runCli(argv: readonly string[], streams: CliStreams): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? streams.stderr : streams.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    streams.stderr(`mamba: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")})\n`);
    return 2;
  }
  try {
    await command.run(rest, streams);
    return 0;
  } catch (error) {
    const known = error instanceof EngineError;
    const message = error instanceof Error ? error.message : String(error);
    streams.stderr(`mamba ${name}: ${known ? "" : "internal error: "}${message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}
