import { errorMessage } from '../contracts/errors.js';
import { UsageError } from './args.js';

/** The `weir` command line: dispatches to one module per command; each returns its exit code. */

type Command = (args: string[]) => Promise<number>;

const commands: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import('./commands/run.js')).run,
  validate: async () => (await import('./commands/validate.js')).validate,
  describe: async () => (await import('./commands/describe.js')).describe,
  produce: async () => (await import('./commands/produce.js')).produce,
  consume: async () => (await import('./commands/consume.js')).consume,
  'create-topic': async () => (await import('./commands/create-topic.js')).createTopic,
};

const usage = `weir — stream-processing dataflow engine

Usage:
  weir run <topology.yaml> [--embedded --input <file.jsonl|-> [--output <file.jsonl>]] [--metrics-address host:port]
  weir validate <topology.yaml>
  weir describe <topology.yaml> [--json]
  weir produce <topic> [file.jsonl] [--brokers host:port,…] [--key-field <field>] [--format json|bytes | --avro <Schema>]
  weir consume <topic> [--brokers host:port,…] [--from-beginning] [--max <n>] [--timeout-ms <ms>] [--group <group>] [--format json|bytes]
  weir create-topic <topic> --partitions <n> [--replication <r>] [--brokers host:port,…]
  weir --help

produce reads JSON lines from the file or stdin, one record value per line (with --format bytes, a JSON
string of base64; with --avro, a record of schemas/<Schema>.avsc, checked and sent in the wire format). consume prints {"key","value","headers","partition","offset","timestamp"} lines,
reading committed records only. Brokers default to $KAFKA_BROKERS, else 127.0.0.1:9092.

Exit codes: 0 success, 1 failure (invalid topology, bad input, Kafka error), 2 wrong usage.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help' || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (load === undefined) {
    process.stderr.write(`weir: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  try {
    return await (await load())(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`weir ${name}: ${error.message}\n\n${usage}`);
      return 2;
    }
    process.stderr.write(`weir ${name}: ${errorMessage(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
