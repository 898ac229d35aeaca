import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import { brokerPid, brokers, cpuSeconds, createTopics, deleteTopics, freshTopicsName } from './kit.js';

/**
 * The broker's own limit on this machine, for reference: Kafka's ProducerPerformance (what
 * kafka-producer-perf-test runs) plain and transactional, and EndToEndLatency (produce one record, wait until a
 * consumer sees it, repeat), from org.apache.kafka:kafka-tools 3.9.1 on bench/peer's classpath.
 */

const run = promisify(execFile);

export interface PerfResult {
  label: string;
  recordsPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  brokerCpuPer100k: number;
}

async function timedOnBroker<T>(work: () => Promise<T>, records: number): Promise<{ result: T; brokerCpuPer100k: number }> {
  const broker = brokerPid();
  const before = cpuSeconds(broker);
  const result = await work();
  return { result, brokerCpuPer100k: ((cpuSeconds(broker) - before) / records) * 100_000 };
}

/** ProducerPerformance, acks=all, idempotent; transactional (one transaction per 100 ms) when `transactional`. */
export async function producerPerfTest(admin: Admin, classpath: string, records: number, recordSize: number, partitions: number, transactional: boolean): Promise<PerfResult> {
  const topics = await createTopics(admin, freshTopicsName(), partitions);
  try {
    const args = ['-cp', classpath, 'org.apache.kafka.tools.ProducerPerformance', '--topic', topics.input, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1'];
    args.push('--producer-props', `bootstrap.servers=${brokers.join(',')}`, 'acks=all', 'enable.idempotence=true');
    if (transactional) args.push('--transactional-id', `${topics.name}.perf`, '--transaction-duration-ms', '100');
    const { result, brokerCpuPer100k } = await timedOnBroker(() => run('java', args, { maxBuffer: 16 * 1024 * 1024 }), records);
    // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, a ms 50th, b ms 95th, c ms 99th, d ms 99.9th."
    const summary = result.stdout.trim().split('\n').at(-1) ?? '';
    const match = /records sent, ([\d.]+) records\/sec .* (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th/.exec(summary);
    if (match === null) throw new Error(`ProducerPerformance printed no summary: ${summary}`);
    return { label: `producer-perf-test${transactional ? ' (transactions of 100 ms)' : ''}`, recordsPerSecond: Number(match[1]), p50: Number(match[2]), p99: Number(match[3]), p999: Number(match[4]), brokerCpuPer100k };
  } finally {
    await deleteTopics(admin, topics);
  }
}

/** EndToEndLatency: one record at a time, produced with acks=all and read back; the round trip's percentiles. */
export async function endToEndLatency(admin: Admin, classpath: string, records: number, recordSize: number): Promise<PerfResult> {
  const topics = await createTopics(admin, freshTopicsName(), 1);
  try {
    const result = await run('java', ['-cp', classpath, 'org.apache.kafka.tools.EndToEndLatency', brokers.join(','), topics.input, String(records), 'all', String(recordSize)], { maxBuffer: 16 * 1024 * 1024 });
    const percentiles = /Percentiles: 50th = ([\d.]+), 99th = ([\d.]+), 99\.9th = ([\d.]+)/.exec(result.stdout);
    if (percentiles === null) throw new Error(`EndToEndLatency printed no percentiles: ${result.stdout.slice(-500)}`);
    // one record in flight at a time: its rate and the broker's CPU per record say nothing about the limit
    return { label: 'EndToEndLatency (one at a time)', recordsPerSecond: Number.NaN, p50: Number(percentiles[1]), p99: Number(percentiles[2]), p999: Number(percentiles[3]), brokerCpuPer100k: Number.NaN };
  } finally {
    await deleteTopics(admin, topics);
  }
}
