import type { Kafka } from 'kafkajs';

/** The record for the `seq`-th record of a producer (`a`, `b`, `c`) or for a committed record (`d0`, `d1`, `d2`). */
export type InterleavedRecord = (name: string, seq: number) => { key: string; value: Buffer | string; headers?: Record<string, string> };

const jsonRecord: InterleavedRecord = (key, seq) => ({ key, value: JSON.stringify({ key, seq }) });

/**
 * Writes to partition 0 of `topic`: producers A, B, C write interleaved transactional records (A, B, C, then A again),
 * abort B, then C, then A, and a fourth producer commits three records (keys d0, d1, d2), which it returns. The broker
 * lists the aborted transactions in abort-marker order (B, C, A), not in first-offset order. By default values are
 * `{"key","seq"}` JSON, keys name the producer (`a`, `b`, `c`) or the committed record; `record` makes other records.
 */
export async function writeInterleavedAborts(kafka: Kafka, topic: string, record: InterleavedRecord = jsonRecord): Promise<string[]> {
  const producer = (id: string) => kafka.producer({ transactionalId: `${topic}.${id}`, idempotent: true, maxInFlightRequests: 1 });
  const [a, b, c, d] = [producer('a'), producer('b'), producer('c'), producer('d')];
  await Promise.all([a, b, c, d].map((p) => p.connect()));
  const committed = ['d0', 'd1', 'd2'];
  try {
    const records = (name: string, count: number, from = 0) => Array.from({ length: count }, (_, i) => ({ ...record(name, from + i), partition: 0 }));
    const [ta, tb, tc] = [await a.transaction(), await b.transaction(), await c.transaction()];
    await ta.send({ topic, messages: records('a', 2), acks: -1 });
    await tb.send({ topic, messages: records('b', 2), acks: -1 });
    await tc.send({ topic, messages: records('c', 2), acks: -1 });
    await ta.send({ topic, messages: records('a', 3, 2), acks: -1 });
    // Abort markers in the order B, C, A: A's transaction started first but is listed last.
    await tb.abort();
    await tc.abort();
    await ta.abort();
    const td = await d.transaction();
    await td.send({ topic, messages: committed.map((name, seq) => ({ ...record(name, seq), partition: 0 })), acks: -1 });
    await td.commit();
    return committed;
  } finally {
    await Promise.all([a, b, c, d].map((p) => p.disconnect()));
  }
}
