/** Command-line options of the form `--name value`, each name possibly repeated. */
import { EngineError, check } from "../engine/errors.js";

/** Values of each option in order of appearance. Throws on a stray word, an unknown option or a missing value. */
export function parseOptions(argv: readonly string[], known: readonly string[]): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    check(flag.startsWith("--"), `unexpected argument ${JSON.stringify(flag)} (options look like --name value)`);
    const name = flag.slice(2);
    check(known.includes(name), `unknown option --${name} (expected ${known.map((k) => `--${k}`).join(", ")})`);
    const value = argv[i + 1];
    check(value !== undefined && !value.startsWith("--"), `option --${name} needs a value`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return options;
}

/** The single value of a required option. */
export function requiredOption(options: Map<string, string[]>, name: string): string {
  const values = options.get(name);
  if (!values) throw new EngineError(`missing option --${name}`);
  check(values.length === 1, `option --${name} was given ${values.length} times; give it once`);
  return values[0];
}
