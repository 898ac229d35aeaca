import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { encodePayload } from '../../connectors/payload-codec.js';
import { statefulStepIds } from '../../contracts/names.js';
import { errorMessage, TopologyError } from '../../contracts/errors.js';
import { faultsFromEnvironment } from '../../engine/faults.js';
import { startOpsServer } from '../../engine/http-server.js';
import { KafkaWorker } from '../../engine/kafka-worker.js';
import { createLogger, type Logger } from '../../contracts/logger.js';
import { MemoryRunner, type InputRecord } from '../../engine/memory-runner.js';
import { EngineMetrics } from '../../engine/metrics.js';
import { loadTopology, type Topology } from '../../engine/topology-loader.js';
import { MemoryStateStore } from '../../state/memory-store.js';
import { RedisStateStore } from '../../state/redis-store.js';
import type { StateStore } from '../../state/state-store.js';

const usage = `weir run <topology.yaml> [--embedded --input <file.jsonl|-> [--output <file.jsonl>]] [--metrics-address host:port]`;

/** Longest a SIGTERM drain may take before the worker exits anyway. */
const drainTimeoutMs = 30_000;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      embedded: { type: 'boolean', default: false },
      input: { type: 'string' },
      output: { type: 'string' },
      'metrics-address': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    process.stderr.write(`usage: ${usage}\n`);
    return 2;
  }
  let topology: Topology;
  try {
    topology = await loadTopology(file);
  } catch (error) {
    process.stderr.write(`${error instanceof TopologyError ? error.message : errorMessage(error)}\n`);
    return 1;
  }
  const logger = createLogger({ fields: { topology: topology.name } });
  if (values.embedded) {
    if (values.input === undefined) {
      process.stderr.write(`--embedded needs --input <file.jsonl> (or - for stdin)\nusage: ${usage}\n`);
      return 2;
    }
    return runEmbedded(topology, values.input, values.output, logger);
  }
  return runOnKafka(topology, values['metrics-address'] ?? topology.metrics.address, logger);
}

/** Runs the topology in this process over a JSONL file: one payload per line, memory transport and state. */
async function runEmbedded(topology: Topology, input: string, output: string | undefined, logger: Logger): Promise<number> {
  const runner = new MemoryRunner(topology, { logger, startTime: Date.now() });
  const lines = createInterface({ input: input === '-' ? process.stdin : createReadStream(input), crlfDelay: Infinity });
  let batch: InputRecord[] = [];
  let read = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    batch.push({ value: Buffer.from(line), timestamp: Date.now() });
    read++;
    if (batch.length >= topology.maxBatch.records) {
      await runner.pipe(batch);
      batch = [];
    }
  }
  await runner.pipe(batch);

  const counts: Record<string, number> = {};
  const sinks = new Map<string, WriteStream | NodeJS.WriteStream>();
  for (const name of Object.keys(topology.outputs)) {
    const records = runner.readOutput(name);
    counts[name] = records.length;
    if (records.length === 0) continue;
    const format = topology.outputs[name]?.kafka.format ?? 'json';
    const sink = output === undefined ? process.stdout : createWriteStream(name === 'default' ? output : output.replace(/(\.jsonl)?$/, `.${name}.jsonl`));
    sinks.set(name, sink);
    for (const record of records) {
      const value = name === 'rejected' && record.raw !== undefined ? record.raw : encodePayload(record.value, format);
      const line = output === undefined ? JSON.stringify({ output: name, key: record.key, value: readableValue(value), headers: record.headers }) : value.toString();
      sink.write(`${line}\n`);
    }
  }
  for (const sink of sinks.values()) if (sink !== process.stdout) (sink as WriteStream).end();
  await Promise.all([...sinks.values()].filter((sink) => sink !== process.stdout).map((sink) => once(sink, 'finish')));
  logger.info('embedded run finished', { records: read, outputs: counts });
  return 0;
}

/** A record value for a JSON line: parsed when it is JSON, else its text (dead letters may be anything). */
function readableValue(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function runOnKafka(topology: Topology, metricsAddress: string, logger: Logger): Promise<number> {
  const metrics = new EngineMetrics({ defaultMetrics: true });
  let store: StateStore;
  if ('redis' in topology.state) {
    store = new RedisStateStore({
      url: topology.state.redis.url,
      onOperation: (operation) => metrics.stateOperations.inc({ topology: topology.name, operation }),
      onConnectionError: (error) => logger.warn('redis connection error', { error: error.message }),
    });
  } else if (statefulStepIds(topology).length > 0) {
    process.stderr.write(`${topology.file}: state: memory cannot keep the state of ${statefulStepIds(topology).join(', ')} across restarts; use state: { redis: { url } }\n`);
    return 1;
  } else {
    store = new MemoryStateStore();
  }
  let shutdown: (reason: string, code: number) => void = () => undefined;
  const stopped = new Promise<number>((resolve) => {
    let draining = false;
    shutdown = (reason, code) => {
      if (draining) return;
      draining = true;
      logger.info('draining', { reason });
      const timer = setTimeout(() => {
        logger.error('drain did not finish in time; exiting', { timeoutMs: drainTimeoutMs });
        resolve(1);
      }, drainTimeoutMs);
      timer.unref();
      void worker
        .stop()
        .then(() => store.close())
        .then(() => ops.close())
        .then(() => resolve(code), (error: unknown) => {
          logger.error('drain failed', { error });
          resolve(1);
        });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM', 0));
    process.once('SIGINT', () => shutdown('SIGINT', 0));
  });
  const worker = new KafkaWorker({
    topology,
    store,
    metrics,
    logger,
    faults: faultsFromEnvironment(logger),
    onFatal: (error) => {
      // A worker that cannot consume must not look alive: exit non-zero so its supervisor restarts it.
      logger.error('the consumer stopped after an error it does not retry; the worker exits', { error });
      shutdown('consumer stopped', 1);
    },
  });
  const ops = await startOpsServer({ address: metricsAddress, registry: metrics.registry, health: () => worker.health(), ready: () => worker.ready() });
  logger.info('ops endpoint listening', { url: ops.url });
  try {
    await worker.start();
  } catch (error) {
    logger.error('worker failed to start', { error });
    await ops.close();
    await store.close();
    return 1;
  }
  logger.info('worker started', { guarantee: topology.guarantee });
  return stopped;
}
