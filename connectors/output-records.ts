import type { IHeaders, Message } from 'kafkajs';
import type { Envelope } from '../contracts/envelope.js';
import { rejectedEnvelope } from '../contracts/rejection.js';
import type { Topology } from '../contracts/topology.js';
import { defaultMaxMessageBytes, type TopicLayout } from './kafka-admin.js';
import { encodePayload } from './payload-codec.js';

/**
 * The records a batch writes to its output topics, encoded once, each with its size as the broker will count it, so
 * that a produce request never carries more than a topic accepts and a record no topic accepts is dead-lettered
 * instead of failing its batch forever.
 */

export interface OutputRecord {
  /** The topology output it goes to (`default`, `rejected`, …). */
  readonly output: string;
  readonly topic: string;
  readonly envelope: Envelope<unknown>;
  readonly message: Message;
  /** Upper bound of its size in a record batch, bytes. */
  readonly size: number;
}

/** Fixed part of a record batch (v2): the broker compares a batch, not a record, with `max.message.bytes`. */
export const recordBatchOverhead = 61;

const varintMax = 5;

/** An upper bound of a message's size inside a v2 record batch (length, attributes, deltas, key, value, headers). */
export function recordSize(message: Message): number {
  let size = varintMax + 1 + 10 + varintMax + varintMax + (message.key?.length ?? 0) + varintMax + (message.value?.length ?? 0) + varintMax;
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += varintMax + Buffer.byteLength(name) + varintMax + (Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value ?? '')));
  }
  return size;
}

/** Encodes a batch's outputs; a null key keeps the input partition (mod the output's partition count). */
export function outputRecords(topology: Topology, layout: TopicLayout, partition: number, outputs: ReadonlyMap<string, readonly Envelope<unknown>[]>): OutputRecord[] {
  const records: OutputRecord[] = [];
  for (const [name, envelopes] of outputs) {
    for (const envelope of envelopes) records.push(encodeOutput(topology, layout, partition, name, envelope));
  }
  return records;
}

function encodeOutput(topology: Topology, layout: TopicLayout, partition: number, name: string, envelope: Envelope<unknown>): OutputRecord {
  const output = topology.outputs[name];
  if (output === undefined) throw new TypeError(`records for output '${name}', which the topology does not define`);
  const partitions = layout.outputPartitions.get(output.kafka.topic) ?? 1;
  const message: Message = {
    key: envelope.key,
    value: name === 'rejected' ? deadLetterValue(envelope, output.kafka.format) : encodePayload(envelope.value, output.kafka.format),
    headers: envelope.headers as IHeaders,
    timestamp: String(envelope.timestamp),
    ...(envelope.key === null ? { partition: partition % partitions } : {}),
  };
  return { output: name, topic: output.kafka.topic, envelope, message, size: recordSize(message) };
}

/** Dead letters keep their original bytes so they can be replayed as they came; a tombstone stays a tombstone. */
function deadLetterValue(envelope: Envelope<unknown>, format: Parameters<typeof encodePayload>[1]): Buffer | null {
  if (envelope.raw !== undefined) return envelope.raw;
  return envelope.value === null ? null : encodePayload(envelope.value, format);
}

/** Whether a record fits in a batch of its own on its topic. */
export function fits(record: OutputRecord, layout: TopicLayout): boolean {
  return recordBatchOverhead + record.size <= maxMessageBytes(layout, record.topic);
}

export function maxMessageBytes(layout: TopicLayout, topic: string): number {
  return layout.maxMessageBytes.get(topic) ?? defaultMaxMessageBytes;
}


/**
 * The dead letter of an output record the broker cannot take: the input's original bytes (or the output's, when the
 * record kept none) with the reason; when even that is too large for the dead-letter topic, the value is left out,
 * `weir.value-dropped` says why, and the origin headers say where the original record is.
 */
export function deadLetter(topology: Topology, layout: TopicLayout, partition: number, record: OutputRecord, reason: string, error: string): OutputRecord {
  const rejected = rejectedEnvelope(record.envelope, { reason, error, field: `outputs.${record.output}` });
  const withRaw = encodeOutput(topology, layout, partition, 'rejected', { ...rejected, raw: rejected.raw ?? (record.message.value as Buffer | null) ?? undefined });
  if (fits(withRaw, layout)) return withRaw;
  const headers = { ...rejected.headers, 'weir.value-dropped': `${withRaw.message.value?.length ?? 0} bytes do not fit the dead-letter topic either` };
  const message: Message = { ...withRaw.message, value: null, headers };
  return { ...withRaw, envelope: { ...rejected, headers }, message, size: recordSize(message) };
}

/** Groups the records of one topic partition so that each group, as one record batch, fits the topic's limit. */
export function* sizedGroups<T extends { size: number }>(records: readonly T[], limit: number): Generator<T[]> {
  let group: T[] = [];
  let bytes = recordBatchOverhead;
  for (const record of records) {
    if (group.length > 0 && bytes + record.size > limit) {
      yield group;
      group = [];
      bytes = recordBatchOverhead;
    }
    group.push(record);
    bytes += record.size;
  }
  if (group.length > 0) yield group;
}
