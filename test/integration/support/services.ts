import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import type { PartitionScope } from '../../../contracts/state.js';
import { partitionKeyPattern } from '../../../state/redis-keys.js';
import { engineKeyPrefix } from '../../../contracts/state.js';
import { RedisStateStore } from '../../../state/redis-store.js';
import { jsonCodec } from '../../../state/state-codecs.js';

/** Addresses of the local stack (deploy/local/stack), overridable like the stack itself. */
export const brokers = [`127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`];
export const redisUrl = `redis://127.0.0.1:${process.env.REDIS_PORT ?? '6379'}`;

export function kafkaClient(clientId = 'weir-test'): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

/** Connections to the local Kafka and Redis that a test file opens once and closes at the end. */
export interface Services {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly redis: Redis;
  close(): Promise<void>;
}

export async function connectServices(): Promise<Services> {
  const kafka = kafkaClient();
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(redisUrl);
  // Tests that restart Redis on purpose: the client reconnects by itself; commands fail meanwhile.
  redis.on('error', () => undefined);
  return {
    kafka,
    admin,
    redis,
    async close() {
      await admin.disconnect();
      await redis.quit();
    },
  };
}

/** This file's connections: opened before its first test, closed after its last (fields are set once `before` ran). */
export function servicesForFile(): Services {
  const services = {} as { -readonly [K in keyof Services]: Services[K] };
  before(async () => {
    Object.assign(services, await connectServices());
  });
  after(() => services.close());
  return services;
}

/** Input records a consumer group has committed, summed over the topic's partitions. */
export async function committedRecords(admin: Admin, group: string, topic: string): Promise<number> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
}

/** A counting step's state in Redis, read by the Redis store itself, summed over the topology's partitions (each key lives on one). */
export async function countsInRedis(topology: string, partitions: number, stepId: string): Promise<Map<string, number>> {
  const store = new RedisStateStore({ url: redisUrl });
  const counts = new Map<string, number>();
  try {
    for (let partition = 0; partition < partitions; partition++) {
      for (const [key, bytes] of await store.entries({ topology, partition }, stepId)) {
        if (!key.startsWith(engineKeyPrefix)) counts.set(key, (counts.get(key) ?? 0) + (jsonCodec.decode(bytes) as number));
      }
    }
    return counts;
  } finally {
    await store.close();
  }
}

/** Deletes every Redis key of one partition's state (values, bitsets, checkpoint); resolves with how many there were. */
export async function deletePartitionKeys(redis: Redis, scope: PartitionScope): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', partitionKeyPattern(scope), 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A name no other run has used, so tests never see each other's topics, groups or keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Waits until `topic` exists (a worker creates its outputs when it starts); fails at the deadline. */
export async function waitForTopic(admin: Admin, topic: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await admin.listTopics()).includes(topic)) {
    if (Date.now() > deadline) throw new Error(`topic '${topic}' did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
}

export interface ConsumedRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning with read_committed until `expected` records arrived and then nothing
 * more for `settleMs`. Fails when fewer than `expected` arrived within `timeoutMs`, saying how many did.
 */
export async function readAll(kafka: Kafka, topic: string, options: { expected: number; timeoutMs: number; settleMs?: number }): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('weir-test-reader'), readUncommitted: false });
  const records: ConsumedRecord[] = [];
  let lastArrival = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[name] = value.toString();
        records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
        lastArrival = Date.now();
      },
    });
    const deadline = Date.now() + options.timeoutMs;
    const settleMs = options.settleMs ?? 1_000;
    while (!(records.length >= options.expected && Date.now() - lastArrival >= settleMs)) {
      if (Date.now() > deadline) {
        if (records.length >= options.expected) break;
        throw new Error(`read ${records.length} of ${options.expected} expected records from '${topic}' within ${options.timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return records;
  } finally {
    await consumer.disconnect();
  }
}
