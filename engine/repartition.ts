import type { Envelope } from '../contracts/envelope.js';
import type { SourceRecord } from '../contracts/source-record.js';
import { binaryCodec } from '../state/state-codecs.js';

/**
 * Records of a repartition topic. Data records carry the re-keyed envelope — its value in the binary state codec (so
 * Buffers and typed arrays arrive as they left), its headers, its event time as the Kafka timestamp, and its origin in
 * headers for lineage. Watermark records carry no value: each upstream partition writes one to every repartition
 * partition after its data in each commit (`weir.watermark`, `weir.upstream`), so every downstream task learns every
 * upstream partition's watermark even when no data of that partition reaches it. Headers rather than a wrapper keep
 * the data records readable by `weir consume`.
 */

/** A record for a repartition topic: `partition` set for watermark records, by the key's hash for data. */
export interface RepartitionRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly timestamp: number;
  readonly partition?: number;
}

export const watermarkHeader = 'weir.watermark';
export const upstreamHeader = 'weir.upstream';
const originHeaders = { topic: 'weir.origin.topic', partition: 'weir.origin.partition', offset: 'weir.origin.offset' } as const;

export function repartitionRecord(envelope: Envelope<unknown>, key: string): RepartitionRecord {
  return {
    key,
    value: binaryCodec.encode(envelope.value),
    headers: { ...envelope.headers, [originHeaders.topic]: envelope.origin.topic, [originHeaders.partition]: String(envelope.origin.partition), [originHeaders.offset]: envelope.origin.offset },
    timestamp: envelope.timestamp,
  };
}

/** One watermark record per repartition partition. */
export function watermarkRecords(upstream: number, watermark: number, partitions: number): RepartitionRecord[] {
  return Array.from({ length: partitions }, (_, partition) => ({ key: null, value: null, headers: { [watermarkHeader]: String(watermark), [upstreamHeader]: String(upstream) }, timestamp: Math.max(0, watermark), partition }));
}

export type RepartitionInput = { readonly kind: 'data'; readonly envelope: Envelope<unknown> } | { readonly kind: 'watermark'; readonly upstream: number; readonly watermark: number };

/** Reads a repartition record: an envelope (its origin the repartition topic; the source's in headers) or a watermark. */
export function readRepartitionRecord(record: SourceRecord): RepartitionInput {
  const watermark = record.headers[watermarkHeader];
  if (watermark !== undefined) return { kind: 'watermark', upstream: Number(record.headers[upstreamHeader]), watermark: Number(watermark) };
  return {
    kind: 'data',
    envelope: {
      key: record.key?.toString('utf8') ?? null,
      value: record.value === null ? null : binaryCodec.decode(record.value),
      timestamp: record.timestamp,
      headers: record.headers,
      origin: { topic: record.topic, partition: record.partition, offset: record.offset },
    },
  };
}
