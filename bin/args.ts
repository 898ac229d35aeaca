import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Command-line parsing shared by the `weir` commands: named positionals, typed options, usage errors. */

/** A mistake in how a command was called; the CLI prints it with the usage and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends OptionSpecs> {
  /** Names of the required positionals, then the optional ones (`[file]`). */
  readonly positionals: readonly string[];
  readonly optionalPositionals?: readonly string[];
  readonly options: O;
}

/** Parses `args` strictly: unknown options and a wrong number of positionals are usage errors. */
export function parseCommandArgs<const O extends OptionSpecs>(args: readonly string[], spec: CommandSpec<O>) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const required = spec.positionals.length;
  const allowed = required + (spec.optionalPositionals?.length ?? 0);
  if (parsed.positionals.length < required) throw new UsageError(`missing <${spec.positionals[parsed.positionals.length]}>`);
  if (parsed.positionals.length > allowed) throw new UsageError(`unexpected argument '${parsed.positionals[allowed]}'`);
  return parsed;
}

/** A non-negative integer option (`--max 10`); `undefined` when the option is absent. */
export function integerOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} expects a non-negative integer, got '${value}'`);
  return Number(value);
}

/** One of a fixed set of values (`--format json`). */
export function choiceOption<const C extends string>(name: string, value: string | undefined, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} expects one of ${choices.join(', ')}, got '${value}'`);
  return value as C;
}

/** Bootstrap brokers: `--brokers a:9092,b:9092`, else `KAFKA_BROKERS`, else the local broker. */
export function brokerList(option: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const text = option ?? env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const brokers = text.split(',').map((broker) => broker.trim()).filter((broker) => broker !== '');
  if (brokers.length === 0) throw new UsageError('--brokers expects host:port[,host:port…]');
  return brokers;
}
