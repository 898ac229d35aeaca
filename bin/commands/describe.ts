import { changelogTopic, consumerGroup, sinkGroup, transactionalId } from '../../contracts/names.js';
import { TopologyError } from '../../contracts/errors.js';
import { loadTopology, type Topology } from '../../engine/topology-loader.js';
import { parseCommandArgs } from '../args.js';

/** What `weir describe` shows: the dataflow and every Kafka and state name the topology will use. */
export interface TopologyDescription {
  readonly name: string;
  readonly file: string;
  readonly source: {
    readonly topic: string;
    readonly format: string;
    readonly group: string;
    readonly fromBeginning: boolean;
    /** Payload field with the event time; `null` when the Kafka timestamp is used. */
    readonly eventTimeField: string | null;
  };
  readonly steps: readonly StepDescription[];
  readonly outputs: readonly { readonly name: string; readonly topic: string; readonly format: string; readonly guarantee: string }[];
  /** External systems fed from outputs after commit. */
  readonly sinks: readonly { readonly name: string; readonly from: string; readonly connector: string; readonly group: string; readonly guarantee: string; readonly config: unknown }[];
  readonly guarantee: string;
  /** `weir.<topology>.<topic>.<partition>` (as TransactionalSink names them); `null` when at-least-once (no transactions). */
  readonly transactionalIdPattern: string | null;
  readonly commitIntervalMs: number;
  readonly maxBatch: { readonly records: number; readonly bytes: number };
  readonly state: { readonly backend: 'redis' | 'memory'; readonly url: string | null };
  readonly metricsAddress: string;
}

export interface StepDescription {
  readonly id: string;
  readonly operator: string;
  readonly summary: string;
  readonly stateful: boolean;
  readonly sideOutputs: readonly string[];
  readonly config: unknown;
  /** `weir.<topology>.<step id>.changelog` for stateful steps. */
  readonly changelogTopic: string | null;
}

export function describeTopology(topology: Topology): TopologyDescription {
  const { kafka } = topology.source;
  return {
    name: topology.name,
    file: topology.file,
    source: {
      topic: kafka.topic,
      format: kafka.format,
      group: consumerGroup(topology),
      fromBeginning: kafka.fromBeginning,
      eventTimeField: topology.source.eventTime?.field ?? null,
    },
    steps: topology.pipeline.map((step) => {
      const stateful = step.definition.stateful ?? false;
      return {
        id: step.id,
        operator: step.definition.name,
        summary: step.definition.summary,
        stateful,
        sideOutputs: [...(step.definition.outputs ?? [])],
        config: step.config,
        changelogTopic: stateful ? changelogTopic(topology.name, step.id) : null,
      };
    }),
    outputs: Object.entries(topology.outputs).map(([name, output]) => ({
      name,
      topic: output.kafka.topic,
      format: output.kafka.format,
      guarantee: topology.guarantee === 'exactly-once' ? 'transactional: written in the batch transaction' : 'at least once: written before the offset commit',
    })),
    sinks: topology.sinks.map((sink) => ({ name: sink.name, from: sink.from, connector: sink.definition.name, group: sinkGroup(topology, sink.name), guarantee: sink.definition.guarantee, config: sink.config })),
    guarantee: topology.guarantee,
    transactionalIdPattern: topology.guarantee === 'exactly-once' ? transactionalId(topology, '<partition>') : null,
    commitIntervalMs: topology.commitIntervalMs,
    maxBatch: topology.maxBatch,
    state: 'redis' in topology.state ? { backend: 'redis', url: withoutPassword(topology.state.redis.url) } : { backend: 'memory', url: null },
    metricsAddress: topology.metrics.address,
  };
}

/** A Redis URL fit to print: a password in it is masked. */
function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

export function formatDescription(description: TopologyDescription): string {
  const { source } = description;
  const lines = [
    `topology ${description.name} (${description.file})`,
    `source   kafka topic ${source.topic}, format ${source.format}, group ${source.group}${source.fromBeginning ? ', new group starts at the beginning' : ', new group starts at the end'}`,
    `         event time: ${source.eventTimeField === null ? 'Kafka timestamp' : `payload field ${source.eventTimeField}`}`,
    'pipeline',
  ];
  for (const [index, step] of description.steps.entries()) {
    const traits = [step.operator === step.id ? undefined : step.operator, step.stateful ? 'stateful' : undefined].filter((trait) => trait !== undefined);
    lines.push(`  ${index + 1}. ${step.id}${traits.length > 0 ? ` [${traits.join(', ')}]` : ''}: ${step.summary}`);
    lines.push(`     config ${JSON.stringify(step.config)}`);
    if (step.sideOutputs.length > 0) {
      const routes = step.sideOutputs.map((name) => `${name} → ${description.outputs.find((output) => output.name === name)?.topic ?? '(not routed)'}`);
      lines.push(`     side outputs: ${routes.join(', ')}`);
    }
    if (step.changelogTopic !== null) lines.push(`     changelog ${step.changelogTopic}`);
  }
  lines.push('outputs');
  const width = Math.max(...description.outputs.map((output) => output.name.length));
  for (const output of description.outputs) lines.push(`  ${output.name.padEnd(width)} → ${output.topic} (${output.format}; ${output.guarantee})`);
  if (description.sinks.length > 0) lines.push('sinks');
  for (const sink of description.sinks) {
    lines.push(`  ${sink.name}: ${sink.connector} from output ${sink.from}, group ${sink.group}`, `     config ${JSON.stringify(sink.config)}`, `     ${sink.guarantee}`);
  }
  lines.push(
    `guarantee ${description.guarantee}${description.transactionalIdPattern === null ? '' : `, transactional id ${description.transactionalIdPattern}`}`,
    `commit   every ${description.commitIntervalMs} ms or ${description.maxBatch.records} records / ${description.maxBatch.bytes} bytes`,
    `state    ${description.state.backend}${description.state.url === null ? '' : ` ${description.state.url}`}`,
    `metrics  http://${description.metricsAddress}/metrics`,
  );
  return `${lines.join('\n')}\n`;
}

/** `weir describe <topology.yaml> [--json]`: prints the DAG and the names it uses in Kafka and Redis. */
export async function describe(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, { positionals: ['topology.yaml'], options: { json: { type: 'boolean' } } });
  let topology: Topology;
  try {
    topology = await loadTopology(positionals[0] as string);
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const description = describeTopology(topology);
  process.stdout.write(values.json === true ? `${JSON.stringify(description, null, 2)}\n` : formatDescription(description));
  return 0;
}
