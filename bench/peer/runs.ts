import type { Admin } from 'kafkajs';
import type { Contender } from './contenders.js';
import { faultOf } from './edge-records.js';
import { brokerPid, committedSum, cpuSeconds, createTopics, deleteTopics, freshTopicsName, kafka, percentile, produceEdges, sleep, stopChild, type Topics } from './kit.js';

/** One maximum-throughput run and one latency run of a contender, each on fresh topics. */

export interface ThroughputRun {
  recordsPerSecond: number;
  /** Records/s from 20 % of the records committed to all: start-up, group join and JIT warm-up left out. */
  steadyRecordsPerSecond: number;
  /** CPU seconds per 100k records between the first commit and the last, of the contender and of the broker. */
  workerCpuPer100k: number;
  brokerCpuPer100k: number;
  /** Records read back with read_committed: valid ones in the output, rejects in the dead-letter topic. */
  output: OutputCount;
}

export function expectedCounts(records: number): { valid: number; rejected: number } {
  let rejected = 0;
  for (let seq = 0; seq < records; seq++) if (faultOf(seq) !== undefined) rejected++;
  return { valid: records - rejected, rejected };
}

/** Pre-produces `records`, starts the contender, and times it from its first committed progress to all committed. */
export async function maxRate(admin: Admin, contender: Contender, records: number, partitions: number, timeoutMs = 600_000): Promise<ThroughputRun> {
  const topics = await createTopics(admin, freshTopicsName(), partitions);
  try {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await produceEdges(producer, topics.input, 0, records);
    await producer.disconnect();
    const group = contender.group(topics);
    const broker = brokerPid();
    const child = contender.start(topics);
    try {
      let first: { at: number; worker: number; broker: number } | undefined;
      let steady: { at: number; done: number } | undefined;
      let done = 0;
      const deadline = Date.now() + timeoutMs;
      while (done < records) {
        if (child.exitCode !== null) throw new Error(`${contender.label} exited with ${child.exitCode} after ${done} of ${records} records`);
        if (Date.now() > deadline) throw new Error(`${contender.label}: ${done} of ${records} records committed after ${timeoutMs} ms`);
        await sleep(50);
        const before = first === undefined ? { at: performance.now(), worker: cpuSeconds(child.pid as number), broker: cpuSeconds(broker) } : undefined;
        done = await committedSum(admin, group, topics.input);
        if (first === undefined && done > 0) first = before;
        if (steady === undefined && done >= records * 0.2) steady = { at: performance.now(), done };
      }
      const end = performance.now();
      const seconds = (end - (first as { at: number }).at) / 1000;
      const steadyRecordsPerSecond = steady === undefined ? Number.NaN : (records - steady.done) / ((end - steady.at) / 1000);
      const worker = cpuSeconds(child.pid as number) - (first as { worker: number }).worker;
      const brokerCpu = cpuSeconds(broker) - (first as { broker: number }).broker;
      await stopChild(child);
      const counts = await countCommitted(topics, expectedCounts(records));
      // the window starts at the poll before the one that first saw progress, so it holds all the records
      return { recordsPerSecond: records / seconds, steadyRecordsPerSecond, workerCpuPer100k: (worker / records) * 100_000, brokerCpuPer100k: (brokerCpu / records) * 100_000, output: counts };
    } finally {
      await stopChild(child);
    }
  } finally {
    await deleteTopics(admin, topics);
  }
}

export interface LatencyRun {
  rate: number;
  p50: number;
  p99: number;
  p999: number;
  received: number;
  sent: number;
}

/** End-to-end latency (produce time → output visible to a read_committed consumer) at `rate` records/s for `seconds`. */
export async function latencyAt(admin: Admin, contender: Contender, rate: number, seconds: number, partitions: number): Promise<LatencyRun> {
  const topics = await createTopics(admin, freshTopicsName(), partitions);
  const child = contender.start(topics);
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: `${topics.name}.reader`, readUncommitted: false, maxWaitTimeInMs: 10 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await Promise.all([reader.connect(), producer.connect()]);
    await reader.subscribe({ topics: [topics.output], fromBeginning: true });
    await reader.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const message of batch.messages) latencies.push(now - Number(message.timestamp));
      },
    });
    // start-up and group joins stay out of the measurement: warm up at the same rate until output flows
    const warmUp = Math.round(rate * 3);
    await produceEdges(producer, topics.input, 0, warmUp, rate);
    const deadline = Date.now() + 60_000;
    while (latencies.length < expectedCounts(warmUp).valid && Date.now() < deadline) await sleep(100);
    latencies.length = 0;
    const count = Math.round(rate * seconds);
    await produceEdges(producer, topics.input, warmUp, count, rate);
    const expected = expectedCounts(warmUp + count).valid - expectedCounts(warmUp).valid;
    const settle = Date.now() + 30_000;
    while (latencies.length < expected && Date.now() < settle) await sleep(100);
    const sorted = [...latencies].sort((a, b) => a - b);
    return { rate, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), received: sorted.length, sent: expected };
  } finally {
    await Promise.allSettled([reader.disconnect(), producer.disconnect()]);
    await stopChild(child);
    await deleteTopics(admin, topics);
  }
}

/** Committed records read back from the output and dead-letter topics. */
export interface OutputCount {
  valid: number;
  rejected: number;
  /** Distinct valid EdgeEvents (edge_id) and distinct rejected inputs (weir.origin.partition/offset). */
  distinctValid: number;
  distinctRejected: number;
  /** Records delivered at the same partition and offset more than once: the reader's doing, not the contender's. */
  redelivered: number;
}

/**
 * Reads the committed records of the output and dead-letter topics until the expected counts or 10 s of
 * silence, with Weir's own (patched) KafkaJS read_committed reader.
 */
async function countCommitted(topics: Topics, expected: { valid: number; rejected: number }): Promise<OutputCount> {
  const ids = new Set<string>();
  const origins = new Set<string>();
  const positions = new Set<string>();
  const count = { valid: 0, rejected: 0, redelivered: 0 };
  let last = Date.now();
  const add = (topic: string, partition: number, offset: string, value: Buffer | null, headers: Record<string, unknown> | undefined): void => {
    last = Date.now();
    const position = `${topic}:${partition}@${offset}`;
    if (positions.has(position)) count.redelivered++;
    positions.add(position);
    if (topic === topics.output) {
      count.valid++;
      ids.add((JSON.parse(String(value)) as { edge_id: string }).edge_id);
    } else {
      count.rejected++;
      origins.add(`${String(headers?.['weir.origin.partition'])}@${String(headers?.['weir.origin.offset'])}`);
    }
  };
  const stop = await readCommitted(`${topics.name}.count`, [topics.output, topics.rejected], add);
  try {
    while (Date.now() - last < 10_000 && (count.valid < expected.valid || count.rejected < expected.rejected)) await sleep(100);
    await sleep(500); // anything beyond the expected counts (a duplicate) shows up here
    return { ...count, distinctValid: ids.size, distinctRejected: origins.size };
  } finally {
    await stop();
  }
}

type Add = (topic: string, partition: number, offset: string, value: Buffer | null, headers: Record<string, unknown> | undefined) => void;

async function readCommitted(group: string, topics: string[], add: Add): Promise<() => Promise<void>> {
  const reader = kafka.consumer({ groupId: group, readUncommitted: false, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topics, fromBeginning: true });
  await reader.run({ eachBatch: async ({ batch }) => batch.messages.forEach((message) => add(batch.topic, batch.partition, message.offset, message.value, message.headers)) });
  return () => reader.disconnect();
}
