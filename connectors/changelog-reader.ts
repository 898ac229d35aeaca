import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { ConnectorError } from '../contracts/errors.js';
import { addChangelogRecord, expiresAtHeader, type ChangelogTail } from '../contracts/state-changelog.js';
import { endOffset } from './kafka-admin.js';

export type { ChangelogTail };

/**
 * Reads one changelog partition from `from` to its current end, committed records only: the last put or delete of
 * each key (values as bytes, with their expiry) and every bit offset of each bitset (contracts/state-changelog.ts).
 * KafkaJS has no manual partition assignment, so this joins a throwaway consumer group, seeks, and
 * deletes the group afterwards; restores are rare (a crash between commit and state apply, or a lost Redis).
 */
export async function readChangelogTail(kafka: Kafka, admin: Admin, topic: string, partition: number, from: bigint, timeoutMs = 60_000): Promise<ChangelogTail> {
  const end = await endOffset(admin, topic, partition);
  const tail: { -readonly [K in keyof ChangelogTail]: ChangelogTail[K] } = { values: new Map(), bits: new Map(), lastOffset: undefined };
  if (from >= end) return tail;

  const groupId = `weir.restore.${topic}.${partition}.${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConnectorError(`changelog ${topic}[${partition}] was not read to offset ${end} within ${timeoutMs} ms`, { retriable: true, context: { topic, partition } })), timeoutMs);
      // Reached the end: told for every fetched batch, also one that held only a transaction marker (which skips
      // eachBatch); with large records the last fetch may be just the commit marker.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.partition === partition && BigInt(payload.lastOffset) + 1n >= end) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset }) => {
            if (batch.partition !== partition) return;
            for (const message of batch.messages) {
              // Records before `from` may come while the seek takes effect: their effect is in the store already.
              if (message.key === null || BigInt(message.offset) < from) continue;
              addChangelogRecord(tail, message.key.toString(), message.value, message.headers?.[expiresAtHeader]?.toString());
              tail.lastOffset = BigInt(message.offset);
            }
            // The next fetch starts after this batch: with large records a fetch holds a single one.
            resolveOffset(batch.lastOffset());
          },
        })
        .catch(reject);
    });
    consumer.seek({ topic, partition, offset: from.toString() });
    await done;
    return tail;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
