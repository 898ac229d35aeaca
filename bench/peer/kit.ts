import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { edgeRecord } from './edge-records.js';

/** What bench/peer.ts needs around the contenders: topics, input, committed progress, CPU time. */

export const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
export const kafka = new Kafka({ clientId: 'bench-peer', brokers, logLevel: logLevel.NOTHING });
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Topics {
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly rejected: string;
}

/** A unique prefix for one run's topics and groups. */
export function freshTopicsName(): string {
  return `bench-peer-${randomUUID().slice(0, 8)}`;
}

export async function createTopics(admin: Admin, name: string, partitions: number): Promise<Topics> {
  const topics = { name, input: `${name}.in`, output: `${name}.out`, rejected: `${name}.dlq` };
  await admin.createTopics({ waitForLeaders: true, topics: [topics.input, topics.output, topics.rejected].map((topic) => ({ topic, numPartitions: partitions })) });
  return topics;
}

/** Deletes a run's topics and the consumer groups named after them (contender, reader, counter). */
export async function deleteTopics(admin: Admin, topics: Topics): Promise<void> {
  await admin.deleteTopics({ topics: [topics.input, topics.output, topics.rejected] }).catch(() => undefined);
  const { groups } = await admin.listGroups().catch(() => ({ groups: [] as { groupId: string }[] }));
  const ours = groups.map((group) => group.groupId).filter((group) => group.includes(topics.name));
  if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
}

/** Writes records `from` .. `from + count - 1` (edge-records.ts), at `perSecond` or as fast as possible. */
export async function produceEdges(producer: Producer, topic: string, from: number, count: number, perSecond = Infinity): Promise<void> {
  const started = performance.now();
  const chunk = Number.isFinite(perSecond) ? Math.max(1, Math.round(perSecond / 100)) : 1_000;
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const now = Date.now();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: size }, (_, index) => ({ key: `k${(from + start + index) % 257}`, value: edgeRecord(from + start + index, now), timestamp: String(now) })) });
    const due = started + ((start + size) / perSecond) * 1000;
    if (Number.isFinite(due) && due > performance.now()) await sleep(due - performance.now());
  }
}

export async function committedSum(admin: Admin, group: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU seconds (user + system) a process has used so far, its reaped children included. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14–17
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) / ticksPerSecond;
}

/** The local broker's process (KAFKA_PID overrides): its CPU time is measured per run. */
export function brokerPid(): number {
  if (process.env.KAFKA_PID !== undefined) return Number(process.env.KAFKA_PID);
  const pids = execFileSync('pgrep', ['-f', 'kafka\\.Kafka ']).toString().trim().split('\n');
  if (pids.length !== 1) throw new Error(`expected one Kafka broker process (pgrep -f kafka.Kafka), found ${pids.length}: set KAFKA_PID`);
  return Number(pids[0]);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Runs `work` again (up to `tries` times) when it fails, after the broker accepts connections again: the
 * shared broker may be restarted by other work on the machine, which fails the run it falls into.
 */
export async function retrying<T>(what: string, work: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= tries) throw error;
      console.log(`  (${what}: ${(error as Error).message}; again once the broker answers)`);
      await brokerAnswers();
    }
  }
}

async function brokerAnswers(): Promise<void> {
  const [host, port] = (brokers[0] as string).split(':');
  const deadline = Date.now() + 180_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port: Number(port) }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error(`broker ${brokers[0]} does not answer for 180 s`);
    await sleep(1_000);
  }
  await sleep(10_000); // a restarted broker answers before it leads its partitions again
}
