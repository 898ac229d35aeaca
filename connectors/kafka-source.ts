import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../contracts/logger.js';
import { backoffMs, type RetryPolicy } from '../contracts/retry.js';
import type { SourceRecord } from '../contracts/source-record.js';

/** What a source hands its records to: the worker, which processes and commits them. */
export interface SourceHandler {
  /** Processes and commits a chunk of one partition's records, in order. A rejection means: not committed. */
  chunk(partition: number, records: readonly SourceRecord[]): Promise<void>;
  /** After a chunk failed: the offset to resume the partition from (its committed offset), and how long to wait first. */
  failed(partition: number, firstOffset: string, error: unknown): Promise<{ resumeAt: string; delayMs: number }>;
  /** Partitions assigned to this worker by a rebalance (it may prepare them before their first records). */
  assigned(partitions: readonly number[]): void;
  /** Partitions this worker no longer owns: revoked by a rebalance, or the source is stopping. */
  released(partitions: readonly number[], reason: 'revoked' | 'shutdown'): Promise<void>;
  /** Records between the position and the end of a partition, after each fetch. */
  lag(partition: number, records: number): void;
  /** The consumer stopped for good (an error the client will not retry): the worker cannot go on. */
  fatal(error: Error): void;
}

export interface KafkaSourceOptions {
  readonly topic: string;
  readonly group: string;
  readonly fromBeginning: boolean;
  /** Longest wait of a fetch for new records (the topology's commit interval). */
  readonly maxWaitMs: number;
  /** A commit carries at most this many records and bytes. */
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Partitions processed at the same time (each one its batches in order). */
  readonly concurrency: number;
  readonly logger: Logger;
  /** How the source starts its consumer over after KafkaJS gave up (e.g. a broker outage longer than its retries). */
  readonly restart: RetryPolicy;
}

const sessionTimeoutMs = 10_000;
const heartbeatIntervalMs = 1_000;

/**
 * The Kafka source of a topology: a member of its consumer group that reads the input topic with read_committed and
 * hands each partition's records to the worker chunk by chunk. Backpressure is pull: a partition's next fetch waits
 * until its chunks are committed, so lag grows in Kafka, not in memory. Offsets move only when the worker has
 * committed a chunk; after a failure the partition seeks back to where the worker says.
 */
export class KafkaSource {
  private consumer: Consumer | undefined;
  private readonly owned = new Set<number>();
  private joined = false;
  private crashed: Error | undefined;
  private stopping = false;
  /** Restarts since the group was last joined. */
  private restarts = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaSourceOptions,
  ) {}

  async start(handler: SourceHandler): Promise<void> {
    this.stopping = false;
    await this.run(handler);
  }

  private async run(handler: SourceHandler): Promise<void> {
    const { topic, group, logger } = this.options;
    const consumer = this.kafka.consumer({
      groupId: group,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: this.options.maxWaitMs,
      maxBytesPerPartition: this.options.maxBytes,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = new Set(payload.memberAssignment[topic] ?? []);
      this.joined = true;
      this.restarts = 0;
      logger.info('partitions assigned', { partitions: [...assigned].sort((a, b) => a - b) });
      const revoked = [...this.owned].filter((partition) => !assigned.has(partition));
      for (const partition of revoked) this.owned.delete(partition);
      for (const partition of assigned) this.owned.add(partition);
      if (revoked.length > 0) void handler.released(revoked, 'revoked');
      handler.assigned([...assigned]);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.crashed = payload.error;
      logger.error('consumer crashed', { error: payload.error, restart: payload.restart });
      if (payload.restart) this.crashed = undefined;
      else void this.startOver(handler, payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: this.options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatch: (payload) => this.onBatch(payload, handler),
    });
  }

  /**
   * KafkaJS stops a consumer for good on some errors a broker outage causes (a group coordinator it cannot find):
   * start a new one after a pause, as long as the restart policy allows; past it, the worker cannot go on.
   */
  private async startOver(handler: SourceHandler, error: Error): Promise<void> {
    const policy = this.options.restart;
    if (this.stopping) return;
    if (this.restarts >= policy.retries) return handler.fatal(error);
    const delayMs = backoffMs(policy, this.restarts++);
    this.options.logger.warn('the consumer stopped; starting a new one', { attempt: this.restarts, delayMs, error: error.message });
    const owned = [...this.owned];
    this.owned.clear();
    await handler.released(owned, 'revoked');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.stopping) return;
    try {
      await this.consumer?.disconnect();
      await this.run(handler);
      this.crashed = undefined;
    } catch (cause) {
      await this.startOver(handler, cause as Error);
    }
  }

  /** Finishes the chunk in progress, leaves the group, and releases every partition. */
  async stop(handler: SourceHandler): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    const owned = [...this.owned];
    this.owned.clear();
    await handler.released(owned, 'shutdown');
  }

  /** At-least-once: the offset a partition resumes from, committed after its outputs were written. */
  async commitOffset(partition: number, offset: string): Promise<void> {
    await (this.consumer as Consumer).commitOffsets([{ topic: this.options.topic, partition, offset }]);
  }

  status(): { joined: boolean; crashed: Error | undefined; partitions: number[] } {
    return { joined: this.joined, crashed: this.crashed, partitions: [...this.owned].sort((a, b) => a - b) };
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, handler: SourceHandler): Promise<void> {
    const partition = batch.partition;
    this.owned.add(partition);
    handler.lag(partition, Number(batch.offsetLag()));
    if (batch.messages.length === 0) {
      // Only transaction markers: move past them (KafkaJS issue 1665 is what not resolving leads to).
      resolveOffset(batch.lastOffset());
      return;
    }
    for (const chunk of chunks(batch.messages, this.options.maxRecords, this.options.maxBytes)) {
      if (!isRunning() || isStale()) return;
      const first = chunk[0] as KafkaMessage;
      try {
        await handler.chunk(
          partition,
          chunk.map((message) => toSourceRecord(batch.topic, partition, message)),
        );
      } catch (error) {
        const { resumeAt, delayMs } = await handler.failed(partition, first.offset, error);
        (this.consumer as Consumer).seek({ topic: this.options.topic, partition, offset: resumeAt });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return;
      }
      resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset);
      await heartbeat();
    }
    resolveOffset(batch.lastOffset());
  }
}

export function toSourceRecord(topic: string, partition: number, message: KafkaMessage): SourceRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, timestamp: Number(message.timestamp), headers };
}

/** Cuts a fetched batch into commits bounded in records and bytes. */
export function* chunks(messages: readonly KafkaMessage[], maxRecords: number, maxBytes: number): Generator<KafkaMessage[]> {
  let chunk: KafkaMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    if (chunk.length > 0 && (chunk.length >= maxRecords || bytes + size > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
