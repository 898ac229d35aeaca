import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaId } from '../../schemas/avro.js';
import { brokers, type Topics } from './kit.js';

/**
 * The processes bench/peer.ts measures, each reading the same input topics and writing valid EdgeEvents
 * (JSON) and rejects (with reason headers) in exactly-once transactions, committing at least every 100 ms.
 */
export interface Contender {
  readonly label: string;
  /** The consumer group whose committed offsets show its progress. */
  group(topics: Topics): string;
  start(topics: Topics): ChildProcess;
}

const weirBin = fileURLToPath(new URL('../../bin/weir.js', import.meta.url));
const topology = fileURLToPath(new URL('../topologies/validate-avro-eos.yaml', import.meta.url));
const loopWorker = fileURLToPath(new URL('../clients/loop-worker.ts', import.meta.url));
const avsc = fileURLToPath(new URL('../../schemas/EdgeEvent.avsc', import.meta.url));
/** The contenders' own logs go to one file (BENCH_PEER_LOG, default in the temp folder), not the report. */
export const logFile = process.env.BENCH_PEER_LOG ?? join(tmpdir(), `bench-peer-${process.pid}.log`);
const log = openSync(logFile, 'a');
const stdio: ['ignore', number, number] = ['ignore', log, log];

export const weir: Contender = {
  label: 'weir',
  group: (topics) => `weir.${topics.name}`,
  start: (topics) =>
    spawn(process.execPath, [weirBin, 'run', topology, '--metrics-address', '127.0.0.1:0'], {
      env: { ...process.env, WEIR_LOG_LEVEL: 'warn', TOPOLOGY_NAME: topics.name, INPUT_TOPIC: topics.input, OUTPUT_TOPIC: topics.output, REJECTED_TOPIC: topics.rejected, KAFKA_BROKERS: brokers.join(',') },
      stdio,
    }),
};

export function kafkaStreams(classpath: string): Contender {
  return {
    label: 'kafka-streams',
    group: (topics) => `streams.${topics.name}`,
    start: (topics) =>
      spawn(
        'java',
        ['-Xms256m', '-Xmx512m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'dev.weir.peer.ValidateApp', `streams.${topics.name}`, topics.input, topics.output, topics.rejected, avsc, String(schemaId('EdgeEvent')), brokers.join(',')],
        { stdio },
      ),
  };
}

export type RawClient = 'kafkajs' | 'confluent' | 'platformatic';

export function rawLoop(client: RawClient): Contender {
  return {
    label: `raw-${client}`,
    group: (topics) => `raw-${client}.${topics.name}`,
    start: (topics) => spawn(process.execPath, ['--import', 'tsx', loopWorker, client, topics.input, topics.output, topics.rejected, `raw-${client}.${topics.name}`, brokers.join(',')], { stdio }),
  };
}

/** Whether @confluentinc/kafka-javascript's native binding is built (it needs CKJS_LINKING=dynamic at install). */
export async function confluentAvailable(): Promise<boolean> {
  try {
    // A computed name: the package is optional, and the type check must not need it (bench/clients/tsconfig.json does).
    const name = '@confluentinc/kafka-javascript';
    await import(name);
    return true;
  } catch {
    return false;
  }
}
