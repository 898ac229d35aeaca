import type { Txn } from './actions.js';
import { DeltaRecordError } from './errors.js';

/**
 * Which records of a batch still have to go into the table, given the application transactions the table
 * already holds. The sink records one transaction per input partition, appId `<sink-id>.<topic>.<partition>`,
 * whose version is the next Kafka offset to read; a record below it is already in the table.
 */

export interface SinkRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset (KafkaJS gives a string). */
  readonly offset: number | string;
  /** The typed record value (Weir's codecs: long as number, bytes as Buffer, timestamps as epoch ms). */
  readonly value: Record<string, unknown>;
}

/** How far a batch read a partition: the next offset to read, when it is past the last record (control records). */
export interface PartitionPosition {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
}

export interface AppendPlan {
  /** Records to write, in input order. */
  readonly records: readonly SinkRecord[];
  /** Offsets of `records`, parallel to it. */
  readonly offsets: readonly number[];
  /** Records already in the table. */
  readonly skipped: number;
  /** Transactions to commit: one per input partition whose position advances. */
  readonly txns: readonly Txn[];
  /** Next offset per input partition after this batch: what the sink commits to Kafka once the append is done. */
  readonly positions: readonly PartitionPosition[];
  /** Identifies the chosen records: a plan with the same key writes the same files. */
  readonly key: string;
}

export const transactionAppId = (sinkId: string, topic: string, partition: number): string => `${sinkId}.${topic}.${partition}`;

export function kafkaOffset(offset: number | string, where: string): number {
  const value = typeof offset === 'number' ? offset : Number(offset);
  if (!Number.isSafeInteger(value) || value < 0) throw new DeltaRecordError(`${where}: offset ${String(offset)} is not a Kafka offset`);
  return value;
}

interface PartitionState {
  topic: string;
  partition: number;
  appId: string;
  committed: number | undefined;
  next: number;
  lastSeen: number;
  firstKept: number;
  lastKept: number;
}

/**
 * Plans an append of `records` (in offset order within each partition) against the committed transactions
 * `txns`. `covered` may carry positions past the last record of a partition (e.g. after control records).
 */
export function planAppend(
  sinkId: string,
  records: readonly SinkRecord[],
  txns: ReadonlyMap<string, Txn>,
  covered: readonly PartitionPosition[] = [],
): AppendPlan {
  const partitions = new Map<string, PartitionState>();
  const state = (topic: string, partition: number): PartitionState => {
    const appId = transactionAppId(sinkId, topic, partition);
    let found = partitions.get(appId);
    if (!found) {
      const committed = txns.get(appId)?.version;
      found = { topic, partition, appId, committed, next: committed ?? 0, lastSeen: -1, firstKept: -1, lastKept: -1 };
      partitions.set(appId, found);
    }
    return found;
  };

  const kept: SinkRecord[] = [];
  const offsets: number[] = [];
  let skipped = 0;
  for (const record of records) {
    const where = `record ${record.topic}/${record.partition}@${String(record.offset)}`;
    const offset = kafkaOffset(record.offset, where);
    const p = state(record.topic, record.partition);
    if (offset < p.lastSeen) throw new DeltaRecordError(`${where}: offsets of a partition must ascend within a batch (after ${p.lastSeen})`, { context: { topic: record.topic, partition: record.partition, offset } });
    const duplicate = offset === p.lastSeen;
    p.lastSeen = offset;
    if (duplicate || (p.committed !== undefined && offset < p.committed)) {
      skipped++;
      continue;
    }
    kept.push(record);
    offsets.push(offset);
    if (p.firstKept < 0) p.firstKept = offset;
    p.lastKept = offset;
    p.next = Math.max(p.next, offset + 1);
  }
  for (const position of covered) {
    const p = state(position.topic, position.partition);
    p.next = Math.max(p.next, kafkaOffset(position.nextOffset, `position ${position.topic}/${position.partition}`), p.lastSeen + 1);
  }

  const ordered = [...partitions.values()].sort((a, b) => (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0));
  const advancing = ordered.filter((p) => p.committed === undefined || p.next > p.committed);
  return {
    records: kept,
    offsets,
    skipped,
    txns: advancing.map((p) => ({ appId: p.appId, version: p.next })),
    positions: ordered.map((p) => ({ topic: p.topic, partition: p.partition, nextOffset: Math.max(p.next, p.lastSeen + 1) })),
    key: ordered.filter((p) => p.firstKept >= 0).map((p) => `${p.appId}:${p.firstKept}-${p.lastKept}`).join(','),
  };
}
