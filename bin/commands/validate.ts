import { TopologyError } from '../../contracts/errors.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { parseCommandArgs } from '../args.js';

/** `weir validate <topology.yaml>`: loads the file as `weir run` would and reports every problem, one per line. */
export async function validate(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(args, { positionals: ['topology.yaml'], options: {} });
  const file = positionals[0] as string;
  try {
    const topology = await loadTopology(file);
    const count = topology.pipeline.length;
    process.stdout.write(`ok: ${topology.name} (${count} operator${count === 1 ? '' : 's'})\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}
