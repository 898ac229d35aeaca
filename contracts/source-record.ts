/** A record as a source hands it over, before decoding. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as decimal strings as the Kafka client gives them. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Kafka timestamp, epoch ms. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}
