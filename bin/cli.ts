// The `weir` command line. Subcommands are added as the engine grows.
const usage = `weir — stream-processing dataflow engine

Usage:
  weir run <topology.yaml> [--embedded --input <file.jsonl> --output <file.jsonl>]
  weir validate <topology.yaml>
  weir describe <topology.yaml>
  weir produce <topic> [file.jsonl]
  weir consume <topic>
  weir --help
`;

const [command] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(usage);
} else {
  process.stderr.write(`weir: unknown command '${command}'\n\n${usage}`);
  process.exitCode = 2;
}
