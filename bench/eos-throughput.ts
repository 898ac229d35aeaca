import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';

/**
 * Benchmark (not a test): the `validate` topology exactly-once in a Weir worker process, against the raw
 * KafkaJS consume → validate → transactional-produce loop in its own process, same broker, same run, same
 * commit cadence (≤ 500 records, 100 ms). Prints records/s of both and the ratio, then end-to-end latency
 * p50/p99 of each at 50 % of its own maximum rate.
 *
 *   node --import tsx bench/eos-throughput.ts [records=100000] [partitions=4]
 */

const records = Number(process.argv[2] ?? 100_000);
const partitions = Number(process.argv[3] ?? 4);
const brokers = [`127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`];
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
const weirBin = fileURLToPath(new URL('../bin/weir.js', import.meta.url));
const rawWorker = fileURLToPath(new URL('./raw-eos-worker.ts', import.meta.url));
const topology = fileURLToPath(new URL('./topologies/validate-eos.yaml', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Contender {
  label: string;
  start(input: string, output: string, group: string): ChildProcess;
  group(name: string): string;
}

const contenders: Contender[] = [
  {
    label: 'weir',
    group: (name) => `weir.${name}`,
    start: (input, output) =>
      spawn(process.execPath, [weirBin, 'run', topology, '--metrics-address', '127.0.0.1:0'], {
        env: { ...process.env, WEIR_LOG_LEVEL: 'warn', TOPOLOGY_NAME: input.replace(/\.in$/, ''), INPUT_TOPIC: input, OUTPUT_TOPIC: output, REJECTED_TOPIC: `${output}.dlq` },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
  },
  {
    label: 'raw kafkajs',
    group: (name) => `raw.${name}`,
    start: (input, output, group) => spawn(process.execPath, ['--import', 'tsx', rawWorker, input, output, group, brokers.join(',')], { stdio: ['ignore', 'ignore', 'inherit'] }),
  },
];

function edgeEvent(seq: number, now: number): string {
  return JSON.stringify({ edge_id: `e${seq}`, node_ids: [`n${seq % 1000}`, `n${(seq * 7 + 1) % 1000}`, `n${(seq * 13 + 2) % 1000}`], weight: (seq % 100) / 10, event_time: now, tenant: `t${seq % 5}` });
}

async function produce(topic: string, count: number, perSecond = Infinity): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const started = Date.now();
  for (let start = 0; start < count; start += 1_000) {
    const size = Math.min(1_000, count - start);
    const now = Date.now();
    await producer.send({ topic, messages: Array.from({ length: size }, (_, index) => ({ key: `k${(start + index) % 257}`, value: edgeEvent(start + index, now), timestamp: String(now) })) });
    const due = started + ((start + size) / perSecond) * 1000;
    if (Number.isFinite(due) && due > Date.now()) await sleep(due - Date.now());
  }
  await producer.disconnect();
}

async function committed(admin: Admin, group: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

/** Records/s from the first committed progress to all records committed. */
async function maxRate(admin: Admin, contender: Contender): Promise<number> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const input = `${name}.in`;
  const output = `${name}.out`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: partitions }, { topic: output, numPartitions: partitions }, { topic: `${output}.dlq`, numPartitions: partitions }] });
  await produce(input, records);
  const group = contender.group(name);
  const child = contender.start(input, output, group);
  try {
    let firstProgress: number | undefined;
    let done = 0;
    while (done < records) {
      await sleep(50);
      done = await committed(admin, group, input);
      if (firstProgress === undefined && done > 0) firstProgress = performance.now();
    }
    return records / ((performance.now() - (firstProgress as number)) / 1000);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/** End-to-end latency (produce timestamp → committed output visible) at `rate` records/s for 20 s. */
async function latencyAt(admin: Admin, contender: Contender, rate: number): Promise<{ p50: number; p99: number; count: number }> {
  const name = `bench-${randomUUID().slice(0, 8)}`;
  const input = `${name}.in`;
  const output = `${name}.out`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: partitions }, { topic: output, numPartitions: partitions }, { topic: `${output}.dlq`, numPartitions: partitions }] });
  const child = contender.start(input, output, contender.group(name));
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: `${name}.reader`, readUncommitted: false, maxWaitTimeInMs: 20 });
  await reader.connect();
  await reader.subscribe({ topics: [output], fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void latencies.push(Date.now() - Number(message.timestamp)) });
  try {
    await sleep(8_000); // worker start-up and group join stay out of the measurement
    const count = Math.round(rate * 20);
    await produce(input, count, rate);
    const deadline = Date.now() + 60_000;
    while (latencies.length < count && Date.now() < deadline) await sleep(200);
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
    return { p50: at(0.5), p99: at(0.99), count: latencies.length };
  } finally {
    await reader.disconnect();
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const admin = kafka.admin();
await admin.connect();
const rates = new Map<string, number>();
for (const contender of contenders) {
  const rate = await maxRate(admin, contender);
  rates.set(contender.label, rate);
  console.log(`${contender.label.padEnd(12)} max ${rate.toFixed(0)} records/s (${records} records, ${partitions} partitions, exactly-once)`);
}
console.log(`ratio weir / raw kafkajs: ${((rates.get('weir') as number) / (rates.get('raw kafkajs') as number)).toFixed(2)}`);
for (const contender of contenders) {
  const rate = (rates.get(contender.label) as number) / 2;
  const latency = await latencyAt(admin, contender, rate);
  console.log(`${contender.label.padEnd(12)} at ${rate.toFixed(0)} records/s: end-to-end p50 ${latency.p50} ms, p99 ${latency.p99} ms (${latency.count} records)`);
}
await admin.disconnect();
