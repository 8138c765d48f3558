/**
 * The one flag parser of every command line: node:util's parseArgs, strict, with `--help` added.
 * An unknown flag, a missing value, a stray argument or a flag given twice is a UsageError naming
 * it; the command prints the message and its usage and exits 2.
 */
import {parseArgs, type ParseArgsOptionsConfig} from 'node:util';
import {ConfigError} from './config';

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(
    message: string,
    /** The flag at fault, without its dashes, when there is one. */
    readonly flag?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type HelpFlag = {help: {type: 'boolean'}};
type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O & HelpFlag;
    strict: true;
    allowPositionals: true;
    tokens: true;
  }>
>;

export interface Flags<O extends ParseArgsOptionsConfig> {
  help: boolean;
  values: Omit<Parsed<O>['values'], 'help'>;
  positionals: string[];
}

const QUOTED = /'([^']*)'/;

function usageErrorOf(error: unknown): unknown {
  const code = (error as {code?: unknown}).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_'))
    return error;
  // Node's first sentence says what is wrong ("Unknown option '--x'", "Option '--x <value>'
  // argument missing", "Unexpected argument 'y'"); the rest is advice about `--` that does not apply.
  const message = (error as Error).message.split(/\.\s|\n/)[0]!;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return new UsageError(
      `${message}: this command takes no positional arguments, see --help`,
    );
  const flag = /--?([^\s,<=]+)(?: <value>)?$/.exec(
    QUOTED.exec(message)?.[1] ?? '',
  )?.[1];
  return new UsageError(`${message}: see --help`, flag);
}

/**
 * Parses `argv` against `options` (plus `--help`). Positionals are refused unless `positionals`.
 * A flag may be given once, unless its option says `multiple`.
 */
export function parseFlags<const O extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: O,
  {positionals = false}: {positionals?: boolean} = {},
): Flags<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {...options, help: {type: 'boolean'}} as O & HelpFlag,
      strict: true,
      allowPositionals: positionals as true,
      tokens: true,
    });
  } catch (error) {
    throw usageErrorOf(error);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && !options[token.name]?.multiple)
      throw new UsageError(`--${token.name} is given twice`, token.name);
    seen.add(token.name);
  }
  const {help, ...values} = parsed.values as Parsed<O>['values'] & {
    help?: boolean;
  };
  return {
    help: help === true,
    values: values as Flags<O>['values'],
    positionals: parsed.positionals,
  };
}

/**
 * A command's main reading its arguments: the parsed command, or the exit code once it has
 * printed what was asked instead: 0 after the usage for `--help`, 2 after `NAME: message` and the
 * usage for a usage or config error. Any other error is thrown.
 */
export function readCommandLine<C extends {help: false}>(
  name: string,
  usage: string,
  parse: () => {help: true} | C,
): C | number {
  let parsed: {help: true} | C;
  try {
    parsed = parse();
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n\n${usage}`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(usage);
    return 0;
  }
  return parsed as C;
}
