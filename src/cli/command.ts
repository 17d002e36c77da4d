/** The shape of one CLI sub-command (`mamba NAME --option value ...`). */

export interface CliOutput {
  stdout(text: string): void;
  /** Notes that are not the result (e.g. characters a model cannot read); absent in some callers. */
  stderr?(text: string): void;
}

export interface Command {
  /** One line for the command list. */
  summary: string;
  /** The usage line, e.g. `forward --model DIR --ids 3,1,4 [--ids ...]`. */
  usage: string;
  /** Runs with the arguments after the command name; throws EngineError on bad input. */
  run(argv: readonly string[], output: CliOutput): void | Promise<void>;
}
