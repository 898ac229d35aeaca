import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { ConnectorError } from '../contracts/errors.js';
import { endOffset } from './kafka-admin.js';

export interface ChangelogTail {
  /** Last committed value per key in the range; null is a deletion. */
  readonly values: Map<string, string | null>;
  /** Offset of the last data record read, when any was. */
  readonly lastOffset: bigint | undefined;
}

/**
 * Reads one changelog partition from `from` to its current end, committed records only.
 * KafkaJS has no manual partition assignment, so this joins a throwaway consumer group, seeks, and
 * deletes the group afterwards; restores are rare (a crash between commit and state apply, or a lost Redis).
 */
export async function readChangelogTail(kafka: Kafka, admin: Admin, topic: string, partition: number, from: bigint, timeoutMs = 60_000): Promise<ChangelogTail> {
  const end = await endOffset(admin, topic, partition);
  const values = new Map<string, string | null>();
  if (from >= end) return { values, lastOffset: undefined };

  const groupId = `weir.restore.${topic}.${partition}.${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  let lastOffset: bigint | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConnectorError(`changelog ${topic}[${partition}] was not read to offset ${end} within ${timeoutMs} ms`, { retriable: true, context: { topic, partition } })), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition) return;
            for (const message of batch.messages) {
              if (message.key === null) continue;
              values.set(message.key.toString(), message.value === null ? null : message.value.toString());
              lastOffset = BigInt(message.offset);
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    consumer.seek({ topic, partition, offset: from.toString() });
    await done;
    return { values, lastOffset };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
