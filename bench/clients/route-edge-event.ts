import { RecordValidator } from '../../schemas/record-validator.js';

/** Where a raw loop sends one input record, and what: the same routing as Weir's validate topology. */
export interface Routed {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
  /** Epoch ms: the record's event_time when valid, its Kafka timestamp when rejected. */
  readonly timestamp: string;
}

export interface InputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
}

/**
 * A valid EdgeEvent goes to `output` as JSON with its event time as timestamp; an invalid one goes untouched
 * to `rejected` with weir.reason / weir.field / weir.error / weir.origin.* headers.
 */
export function edgeEventRouter(output: string, rejected: string): (record: InputRecord) => Routed {
  const validator = new RecordValidator('EdgeEvent');
  return (record) => {
    const checked = record.value === null ? undefined : validator.check(record.value);
    if (checked?.ok === true) {
      return { topic: output, key: record.key, value: Buffer.from(JSON.stringify(checked.value)), headers: {}, timestamp: String(checked.value.event_time) };
    }
    const rejection = checked?.rejection ?? { reason: 'bad-wire-format', field: undefined, error: 'record has no value (a tombstone)' };
    const headers: Record<string, string> = {
      'weir.reason': rejection.reason,
      'weir.error': rejection.error,
      'weir.origin.topic': record.topic,
      'weir.origin.partition': String(record.partition),
      'weir.origin.offset': record.offset,
    };
    if (rejection.field !== undefined) headers['weir.field'] = rejection.field;
    return { topic: rejected, key: record.key, value: record.value ?? Buffer.alloc(0), headers, timestamp: record.timestamp };
  };
}
