import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { errorMessage } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import { rejectionHeadersFor } from '../contracts/rejection.js';
import { backoffMs, type RetryPolicy } from '../contracts/retry.js';
import type { SinkRecord, SinkRejection, SinkWriter } from '../contracts/sink.js';
import type { PayloadFormat } from '../contracts/topology-schema.js';
import { decodePayload } from './payload-codec.js';

/** The metrics a sink runner keeps, labelled by sink. */
export interface SinkMetrics {
  written(records: number): void;
  writeSeconds(seconds: number): void;
  lag(partition: number, records: number): void;
  rejected(reason: string): void;
}

export interface SinkRunnerOptions {
  /** The sink's name in the topology. */
  readonly name: string;
  /** The output topic it writes from, and that output's format. */
  readonly topic: string;
  readonly format: PayloadFormat;
  readonly group: string;
  /** Where records it cannot write go, with the reason (the topology's `rejected` topic). */
  readonly rejectedTopic: string;
  readonly maxRecords: number;
  readonly maxWaitMs: number;
  readonly retry: RetryPolicy;
  readonly writer: SinkWriter;
  readonly metrics: SinkMetrics;
  readonly logger: Logger;
}

/**
 * Runs an idempotent sink: a member of its own consumer group over an output topic, reading committed records only
 * (read_committed), writing them in offset order, and committing the offset after each write. A crash between the
 * write and the commit replays records the sink already wrote, which its idempotent writes make harmless; lag in Kafka
 * is its backpressure. A write that fails is retried with backoff, never skipped.
 */
export class SinkRunner {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SinkRunnerOptions,
  ) {}

  async start(): Promise<void> {
    const { topic, group, writer, logger } = this.options;
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    const consumer = this.kafka.consumer({ groupId: group, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: this.options.maxWaitMs });
    this.consumer = consumer;
    if (writer.resumeOffset !== undefined) {
      const resumeOffset = writer.resumeOffset.bind(writer);
      // The sink's own storage knows best how far it has written: start each assigned partition there.
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        for (const partition of payload.memberAssignment[topic] ?? []) {
          void resumeOffset(topic, partition).then(
            async (offset) => {
              if (offset === undefined) return;
              consumer.seek({ topic, partition, offset });
              // The group's offset says the same as the storage, so lag and a later restart agree with it.
              await consumer.commitOffsets([{ topic, partition, offset }]);
            },
            (error: unknown) => logger.error('sink could not read where it stopped; resuming at the committed offset', { sink: this.options.name, partition, error }),
          );
        }
      });
    }
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 4, eachBatch: (payload) => this.onBatch(payload) });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.options.writer.close();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    const { metrics, maxRecords } = this.options;
    metrics.lag(batch.partition, Number(batch.offsetLag()));
    for (let start = 0; start < batch.messages.length; start += maxRecords) {
      if (!isRunning() || isStale()) return;
      const messages = batch.messages.slice(start, start + maxRecords);
      const records = messages.map((message) => this.sinkRecord(batch.topic, batch.partition, message));
      await this.writeWithRetry(records, heartbeat);
      const last = (messages[messages.length - 1] as KafkaMessage).offset;
      resolveOffset(last);
      await (this.consumer as Consumer).commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
    }
    resolveOffset(batch.lastOffset());
    await commitOffsetsIfNecessary();
  }

  private async writeWithRetry(records: readonly SinkRecord[], heartbeat: () => Promise<void>): Promise<void> {
    const { writer, metrics, retry, logger, name } = this.options;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const rejections = await writer.write(records);
        metrics.writeSeconds((performance.now() - started) / 1000);
        metrics.written(records.length - rejections.length);
        if (rejections.length > 0) await this.deadLetter(rejections);
        return;
      } catch (error) {
        const delayMs = backoffMs(retry, Math.min(attempt, 10));
        logger.warn('sink write failed, retrying', { sink: name, records: records.length, attempt: attempt + 1, delayMs, error: errorMessage(error) });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await heartbeat();
      }
    }
  }

  private async deadLetter(rejections: readonly SinkRejection[]): Promise<void> {
    const messages = rejections.map(({ record, reason, error }) => {
      this.options.metrics.rejected(reason);
      const headers = { ...record.headers, ...rejectionHeadersFor({ reason, error, operator: `sink:${this.options.name}` }, { topic: record.topic, partition: record.partition, offset: record.offset }) };
      return { key: record.key, value: Buffer.isBuffer(record.value) ? record.value : Buffer.from(JSON.stringify(record.value)), headers };
    });
    await (this.producer as Producer).send({ topic: this.options.rejectedTopic, acks: -1, messages });
  }

  /** The value per the output's format; bytes that do not decode (a dead letter's original) stay bytes. */
  private decode(bytes: Buffer): unknown {
    try {
      return decodePayload(bytes, this.options.format);
    } catch {
      return bytes;
    }
  }

  private sinkRecord(topic: string, partition: number, message: KafkaMessage): SinkRecord {
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(message.headers ?? {})) if (value !== undefined) headers[header] = value.toString();
    return {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? null,
      value: message.value === null ? null : this.decode(message.value),
      headers,
      timestamp: Number(message.timestamp),
    };
  }
}
