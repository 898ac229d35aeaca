import { Partitioners, type IHeaders, type Kafka, type Message, type Producer, type RecordMetadata, type TopicMessages } from 'kafkajs';
import type { Envelope } from '../engine/envelope.js';
import { ConnectorError, FencedError } from '../engine/errors.js';
import type { Topology } from '../engine/topology-loader.js';
import type { StateMutation } from '../state/state-store.js';
import { changelogTopic, type TopicLayout } from './kafka-admin.js';
import { encodePayload } from './payload-codec.js';

/** One batch to commit for one input partition. */
export interface BatchCommit {
  readonly outputs: ReadonlyMap<string, readonly Envelope<unknown>[]>;
  readonly mutations: readonly StateMutation[];
  /** The input offset to resume from: last record's offset + 1. */
  readonly nextOffset: string;
}

/** Per stateful step, the offset of the last changelog record this commit wrote. */
export type ChangelogOffsets = Record<string, string>;

const fencingErrors = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

function isFencing(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = (current as Error & { originalError?: unknown }).originalError ?? current.cause) {
    if (fencingErrors.has((current as Error & { type?: string }).type ?? '')) return true;
  }
  return false;
}

/** Kafka messages for the topology's outputs; a null key keeps the input partition (mod the output's count). */
export function outputMessages(topology: Topology, layout: TopicLayout, partition: number, outputs: BatchCommit['outputs']): TopicMessages[] {
  const topicMessages: TopicMessages[] = [];
  for (const [name, envelopes] of outputs) {
    const output = topology.outputs[name];
    if (output === undefined) throw new TypeError(`records for output '${name}', which the topology does not define`);
    if (envelopes.length === 0) continue;
    const partitions = layout.outputPartitions.get(output.kafka.topic) ?? 1;
    const rejected = name === 'rejected';
    const messages: Message[] = envelopes.map((envelope) => ({
      key: envelope.key,
      // Dead letters keep their original bytes so they can be replayed as they came.
      value: rejected && envelope.raw !== undefined ? envelope.raw : encodePayload(envelope.value, output.kafka.format),
      headers: envelope.headers as IHeaders,
      timestamp: String(envelope.timestamp),
      ...(envelope.key === null ? { partition: partition % partitions } : {}),
    }));
    topicMessages.push({ topic: output.kafka.topic, messages });
  }
  return topicMessages;
}

/** Changelog records of one step: one per changed key, on the input's partition number; null values are tombstones. */
export interface ChangelogMessages extends TopicMessages {
  readonly stepId: string;
}

export function changelogMessages(topology: Topology, partition: number, mutations: readonly StateMutation[]): ChangelogMessages[] {
  const byStep = new Map<string, Message[]>();
  for (const mutation of mutations) {
    let messages = byStep.get(mutation.operator);
    if (messages === undefined) byStep.set(mutation.operator, (messages = []));
    messages.push({ key: mutation.key, value: mutation.value, partition });
  }
  return [...byStep].map(([stepId, messages]) => ({ stepId, topic: changelogTopic(topology.name, stepId), messages }));
}

/**
 * The exactly-once sink of one input partition: outputs, changelog records and the input offset in one
 * Kafka transaction. Its transactional id belongs to the partition, so a new owner fences an old one.
 */
export class TransactionalSink {
  private readonly producer: Producer;

  static transactionalId(topology: Topology, partition: number): string {
    return `weir.${topology.name}.${topology.source.kafka.topic}.${partition}`;
  }

  constructor(
    kafka: Kafka,
    private readonly topology: Topology,
    private readonly layout: TopicLayout,
    private readonly partition: number,
    private readonly group: string,
    /** Runs after the offsets are sent, before EndTxn (fault injection in tests). */
    private readonly beforeCommit: () => Promise<void> = async () => undefined,
  ) {
    this.producer = kafka.producer({
      transactionalId: TransactionalSink.transactionalId(topology, partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      createPartitioner: Partitioners.DefaultPartitioner,
      // The broker answers CONCURRENT_TRANSACTIONS while it still writes the previous commit's markers,
      // for a few milliseconds: retry soon rather than after the client's default backoff.
      retry: { retries: 10, initialRetryTime: 20, maxRetryTime: 2_000 },
    });
  }

  /**
   * Connects and initialises the transactional id (InitProducerId): the broker fences every earlier owner and
   * completes or aborts its open transaction first, so the partition's committed offset is stable afterwards.
   * KafkaJS would do it only at the first transaction (its connect() takes a non-transactional producer id):
   * beginning and aborting an empty transaction does it now, without a request to end it.
   */
  async connect(): Promise<void> {
    await this.producer.connect();
    const fence = await this.producer.transaction();
    await fence.abort();
  }

  async commit(batch: BatchCommit): Promise<ChangelogOffsets> {
    const transaction = await this.producer.transaction();
    try {
      const changelog = changelogMessages(this.topology, this.partition, batch.mutations);
      const topicMessages = [...outputMessages(this.topology, this.layout, this.partition, batch.outputs), ...changelog];
      const metadata = topicMessages.length === 0 ? [] : await transaction.sendBatch({ topicMessages, acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: this.group,
        topics: [{ topic: this.topology.source.kafka.topic, partitions: [{ partition: this.partition, offset: batch.nextOffset }] }],
      });
      await this.beforeCommit();
      await transaction.commit();
      return lastChangelogOffsets(this.topology, changelog, metadata, this.partition);
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      const context = { topology: this.topology.name, topic: this.topology.source.kafka.topic, partition: this.partition };
      if (isFencing(error)) throw new FencedError(`partition ${this.partition} was taken over by another worker`, { cause: error, context });
      throw new ConnectorError(`transaction for partition ${this.partition} failed: ${(error as Error).message}`, { cause: error, retriable: true, context });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

function lastChangelogOffsets(topology: Topology, changelog: readonly ChangelogMessages[], metadata: readonly RecordMetadata[], partition: number): ChangelogOffsets {
  const offsets: ChangelogOffsets = {};
  for (const { stepId, topic, messages } of changelog) {
    const written = metadata.find((entry) => entry.topicName === topic && entry.partition === partition);
    if (written?.baseOffset === undefined) throw new ConnectorError(`no offset came back for changelog ${topic}[${partition}]`, { context: { topology: topology.name, topic, partition } });
    offsets[stepId] = (BigInt(written.baseOffset) + BigInt(messages.length - 1)).toString();
  }
  return offsets;
}

/** The at-least-once sink: outputs acknowledged by all in-sync replicas; offsets are committed afterwards by the source. */
export class AtLeastOnceSink {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly topology: Topology, private readonly layout: TopicLayout) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async send(partition: number, outputs: BatchCommit['outputs']): Promise<void> {
    const topicMessages = outputMessages(this.topology, this.layout, partition, outputs);
    if (topicMessages.length === 0) return;
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    } catch (error) {
      throw new ConnectorError(`send for partition ${partition} failed: ${(error as Error).message}`, { cause: error, retriable: true, context: { topology: this.topology.name, partition } });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
