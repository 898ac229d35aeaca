/** Where a record came from: its source topic, partition and offset. */
export interface Origin {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as decimal strings as the Kafka client gives them. */
  readonly offset: string;
}

/**
 * The unit that flows between operators: a typed payload plus its key, event time, headers and origin.
 * `raw` keeps the record's original bytes so a rejected record can be dead-lettered untouched.
 */
export interface Envelope<T> {
  readonly key: string | null;
  readonly value: T;
  /** Event time, epoch milliseconds. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly origin: Origin;
  readonly raw?: Buffer;
  /**
   * The watermark this record saw when it entered its task: event time (ms) before which the task expected no more
   * records. A record whose windows ended before it is late.
   */
  readonly watermark?: number;
}

/** A copy of `envelope` with another payload (and optionally more headers). */
export function withValue<T, U>(envelope: Envelope<T>, value: U, headers?: Record<string, string>): Envelope<U> {
  return {
    key: envelope.key,
    value,
    timestamp: envelope.timestamp,
    headers: headers === undefined ? envelope.headers : { ...envelope.headers, ...headers },
    origin: envelope.origin,
    ...(envelope.raw === undefined ? {} : { raw: envelope.raw }),
    ...(envelope.watermark === undefined ? {} : { watermark: envelope.watermark }),
  };
}
