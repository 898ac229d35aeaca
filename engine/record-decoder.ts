import { decodePayload, PayloadDecodeError } from '../connectors/payload-codec.js';
import type { Envelope } from '../contracts/envelope.js';
import { rejectedEnvelope } from '../contracts/rejection.js';
import type { SourceRecord } from '../contracts/source-record.js';
import type { TopologyHeader } from '../contracts/topology-schema.js';


export type DecodeResult = { readonly ok: true; readonly envelope: Envelope<unknown> } | { readonly ok: false; readonly rejected: Envelope<unknown> };

/** Decodes a source record into an envelope, or into its rejection when the bytes or the event time are bad. */
export function decodeRecord(record: SourceRecord, source: TopologyHeader['source']): DecodeResult {
  const base = {
    key: record.key === null ? null : record.key.toString('utf8'),
    timestamp: record.timestamp,
    headers: record.headers,
    origin: { topic: record.topic, partition: record.partition, offset: record.offset },
    ...(record.value === null ? {} : { raw: record.value }),
  };
  let value: unknown;
  try {
    value = decodePayload(record.value, source.kafka.format);
  } catch (error) {
    if (!(error instanceof PayloadDecodeError)) throw error;
    return { ok: false, rejected: rejectedEnvelope({ ...base, value: record.value }, { reason: 'undecodable', error: error.message }) };
  }
  const field = source.eventTime?.field;
  if (field === undefined) return { ok: true, envelope: { ...base, value } };
  const eventTime = readEventTime(value, field);
  if (eventTime === undefined) {
    return { ok: false, rejected: rejectedEnvelope({ ...base, value }, { reason: 'event-time', field, error: `field '${field}' must hold epoch milliseconds or an ISO-8601 time` }) };
  }
  return { ok: true, envelope: { ...base, value, timestamp: eventTime } };
}

function readEventTime(value: unknown, path: string): number | undefined {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (typeof current === 'number' && Number.isFinite(current)) return current;
  if (typeof current === 'string') {
    const parsed = Date.parse(current);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}
