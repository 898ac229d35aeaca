import { Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import type { Envelope } from '../contracts/envelope.js';
import { ConnectorError, FencedError } from '../contracts/errors.js';
import type { Topology } from '../contracts/topology.js';
import { changelogTopic } from '../contracts/names.js';
import { changelogMessages } from '../contracts/state-changelog.js';
import type { StateMutation } from '../contracts/state.js';
import type { TopicLayout } from './kafka-admin.js';
import { deadLetter, fits, maxMessageBytes, outputRecords, recordSize, sizedGroups, type OutputRecord } from './output-records.js';

/** One batch to commit for one input partition. */
export interface BatchCommit {
  readonly outputs: ReadonlyMap<string, readonly Envelope<unknown>[]>;
  readonly mutations: readonly StateMutation[];
  /** The input offset to resume from: last record's offset + 1. */
  readonly nextOffset: string;
  /** Commits at `nextOffset` before this one (a batch without records that fired timers); 0 for a batch of records. */
  readonly tick: number;
  /** Records already encoded for an internal topic (a repartition topic), in the same transaction. */
  readonly internal: readonly InternalRecord[];
}

export interface InternalRecord {
  readonly topic: string;
  readonly message: Message;
}

/** The offset metadata a commit at a tick writes, so that recovery knows the tick (kafka-admin.ts committedPosition). */
export function tickMetadata(tick: number): string | null {
  return tick === 0 ? null : `tick:${tick}`;
}

/** What one partition's sink needs besides the topology: where it reads from and its transactional id. */
export interface TransactionalSinkOptions {
  readonly sourceTopic: string;
  readonly transactionalId: string;
  readonly group: string;
  /** Runs after the offsets are sent, before EndTxn (fault injection in tests). */
  readonly beforeCommit?: () => Promise<void>;
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

/**
 * A changelog record, on the input's partition number: one per changed key (a delete is a tombstone), one per bitset
 * a batch set bits in (contracts/state-changelog.ts).
 */
interface ChangelogRecord {
  readonly stepId: string;
  readonly topic: string;
  readonly message: Message;
  readonly size: number;
}

/** `commit` names the commit uniquely (offset, and tick when there is one), so bits records of two commits never collide. */
function changelogRecords(topology: Topology, partition: number, mutations: readonly StateMutation[], commit: string): ChangelogRecord[] {
  const records: ChangelogRecord[] = [];
  for (const mutation of mutations) {
    const topic = changelogTopic(topology.name, mutation.operator);
    for (const { key, value, headers } of changelogMessages(mutation, commit)) {
      const message: Message = headers === undefined ? { key, value, partition } : { key, value, headers, partition };
      records.push({ stepId: mutation.operator, topic, message, size: recordSize(message) });
    }
  }
  return records;
}

/** Broker answers that refuse records, not the request: retrying the same records cannot help. */
const refusalErrors = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP', 'UNSUPPORTED_FOR_MESSAGE_FORMAT']);

/** The broker's refusal in an error's cause chain, e.g. `MESSAGE_TOO_LARGE`, if that is what it is. */
function refusal(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = (current as Error & { originalError?: unknown }).originalError ?? current.cause) {
    const type = (current as Error & { type?: string }).type;
    if (type !== undefined && refusalErrors.has(type)) return type;
  }
  return undefined;
}

/** What a commit wrote, and which outputs it dead-lettered because the broker cannot take them. */
export interface CommitResult {
  readonly changelog: ChangelogOffsets;
  /** Reasons of the outputs turned into dead letters (`output-too-large`, `output-refused`). */
  readonly deadLettered: readonly string[];
}

/** The records of one commit as produce calls: one call when each topic's records fit one batch, else several. */
function produceRounds(layout: TopicLayout, records: readonly { topic: string; size: number; message: Message }[]): { topic: string; messages: Message[] }[][] {
  const byTopic = new Map<string, { topic: string; size: number; message: Message }[]>();
  for (const record of records) {
    let list = byTopic.get(record.topic);
    if (list === undefined) byTopic.set(record.topic, (list = []));
    list.push(record);
  }
  const rounds: { topic: string; messages: Message[] }[][] = [];
  for (const [topic, list] of byTopic) {
    let round = 0;
    for (const group of sizedGroups(list, maxMessageBytes(layout, topic))) {
      (rounds[round++] ??= []).push({ topic, messages: group.map((record) => record.message) });
    }
  }
  return rounds;
}

/**
 * The exactly-once sink of one input partition: outputs, changelog records and the input offset in one
 * Kafka transaction. Its transactional id belongs to the partition, so a new owner fences an old one.
 */
export class TransactionalSink {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topology: Topology,
    private readonly layout: TopicLayout,
    private readonly partition: number,
    private readonly options: TransactionalSinkOptions,
  ) {
    this.producer = kafka.producer({
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      createPartitioner: Partitioners.DefaultPartitioner,
      // The broker answers CONCURRENT_TRANSACTIONS while it still writes the previous commit's markers,
      // for a few milliseconds: retry soon rather than after the client's default backoff.
      retry: { ...topology.kafka.retry, initialRetryTime: Math.min(topology.kafka.retry.initialRetryTime, 20) },
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

  /**
   * Commits a batch in one transaction. An output no topic can take — larger than its topic's `max.message.bytes`, or
   * refused by the broker — goes to `rejected` instead, with the reason, and the rest of the batch commits: a poison
   * output must not stall its partition. Refused records are found by bisection in transactions that are aborted.
   */
  async commit(batch: BatchCommit): Promise<CommitResult> {
    const { topology, layout, partition } = this;
    const changelog = changelogRecords(topology, partition, batch.mutations, batch.tick === 0 ? batch.nextOffset : `${batch.nextOffset}.${batch.tick}`);
    const deadLettered: string[] = [];
    let outputs = outputRecords(topology, layout, partition, batch.outputs).map((record) => {
      if (fits(record, layout)) return record;
      deadLettered.push('output-too-large');
      return deadLetter(topology, layout, partition, record, 'output-too-large', `a record of ${record.size} bytes does not fit max.message.bytes ${maxMessageBytes(layout, record.topic)} of topic '${record.topic}'`);
    });
    try {
      return { changelog: await this.transact(outputs, changelog, batch), deadLettered };
    } catch (error) {
      if (refusal(error) === undefined) throw this.classify(error);
    }
    const refused = await this.findRefused(outputs);
    outputs = outputs.map((record) => {
      const type = refused.get(record);
      if (type === undefined) return record;
      deadLettered.push('output-refused');
      return deadLetter(topology, layout, partition, record, 'output-refused', `the broker refused the record for topic '${record.topic}': ${type}`);
    });
    try {
      return { changelog: await this.transact(outputs, changelog, batch), deadLettered };
    } catch (error) {
      throw this.classify(error);
    }
  }

  private async transact(outputs: readonly OutputRecord[], changelog: readonly ChangelogRecord[], batch: BatchCommit): Promise<ChangelogOffsets> {
    const transaction = await this.producer.transaction();
    try {
      const offsets: ChangelogOffsets = {};
      const internal = batch.internal.map((record) => ({ ...record, size: recordSize(record.message) }));
      for (const round of produceRounds(this.layout, [...outputs, ...internal, ...changelog])) {
        const metadata = await transaction.sendBatch({ topicMessages: round, acks: -1 });
        for (const { topic, messages } of round) this.noteChangelogOffset(offsets, changelog, topic, messages.length, metadata);
      }
      await transaction.sendOffsets({
        consumerGroupId: this.options.group,
        // KafkaJS sends `metadata` with the offset (TxnOffsetCommit), though its types omit it.
        topics: [{ topic: this.options.sourceTopic, partitions: [{ partition: this.partition, offset: batch.nextOffset, metadata: tickMetadata(batch.tick) } as { partition: number; offset: string }] }],
      });
      await this.options.beforeCommit?.();
      await transaction.commit();
      return offsets;
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  /** After a send, the offset of the last changelog record of the step whose topic it wrote. */
  private noteChangelogOffset(offsets: ChangelogOffsets, changelog: readonly ChangelogRecord[], topic: string, count: number, metadata: readonly RecordMetadata[]): void {
    const record = changelog.find((candidate) => candidate.topic === topic);
    if (record === undefined) return;
    const written = metadata.find((entry) => entry.topicName === topic && entry.partition === this.partition);
    if (written?.baseOffset === undefined) throw new ConnectorError(`no offset came back for changelog ${topic}[${this.partition}]`, { context: { topology: this.topology.name, topic, partition: this.partition } });
    offsets[record.stepId] = (BigInt(written.baseOffset) + BigInt(count - 1)).toString();
  }

  /** The records the broker refuses, each with its refusal, found by sending halves in transactions then aborted. */
  private async findRefused(records: readonly OutputRecord[]): Promise<Map<OutputRecord, string>> {
    const refused = new Map<OutputRecord, string>();
    const probe = async (subset: readonly OutputRecord[]): Promise<void> => {
      if (subset.length === 0) return;
      const transaction = await this.producer.transaction();
      let type: string | undefined;
      try {
        for (const round of produceRounds(this.layout, subset)) await transaction.sendBatch({ topicMessages: round, acks: -1 });
      } catch (error) {
        type = refusal(error);
        if (type === undefined) throw this.classify(error);
      } finally {
        await transaction.abort().catch(() => undefined);
      }
      if (type === undefined) return;
      if (subset.length === 1) refused.set(subset[0] as OutputRecord, type);
      else {
        const half = Math.ceil(subset.length / 2);
        await probe(subset.slice(0, half));
        await probe(subset.slice(half));
      }
    };
    await probe(records);
    return refused;
  }

  private classify(error: unknown): Error {
    const context = { topology: this.topology.name, topic: this.options.sourceTopic, partition: this.partition };
    if (isFencing(error)) return new FencedError(`partition ${this.partition} was taken over by another worker`, { cause: error, context });
    return new ConnectorError(`transaction for partition ${this.partition} failed: ${(error as Error).message}`, { cause: error, retriable: true, context });
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** The at-least-once sink: outputs acknowledged by all in-sync replicas; offsets are committed afterwards by the source. */
export class AtLeastOnceSink {
  private producer: Producer;
  /** A send failed: the idempotent producer's sequence numbers may have a gap, so the next send takes a new producer id. */
  private broken = false;
  private replacing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topology: Topology,
    private readonly layout: TopicLayout,
  ) {
    this.producer = this.newProducer();
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry: this.topology.kafka.retry });
  }

  /** After a failed send, a fresh producer (a new producer id): the old one's sequence numbers may never line up again. */
  private async ready(): Promise<void> {
    if (!this.broken) return;
    // Partitions send concurrently: the first to find it broken replaces it, the others wait for that.
    this.replacing ??= (async () => {
      await this.producer.disconnect().catch(() => undefined);
      this.producer = this.newProducer();
      await this.producer.connect();
      this.broken = false;
    })().finally(() => (this.replacing = undefined));
    await this.replacing;
  }

  /**
   * Sends a batch's outputs; a record larger than its topic takes is dead-lettered. When the broker refuses a record
   * the records are sent one by one (re-sending is allowed at least once) and the refused ones are dead-lettered.
   * Resolves with the reasons of the dead letters it made.
   */
  async send(partition: number, outputs: BatchCommit['outputs'], internal: readonly InternalRecord[] = []): Promise<readonly string[]> {
    const { topology, layout } = this;
    await this.ready();
    const deadLettered: string[] = [];
    const records = outputRecords(topology, layout, partition, outputs).map((record) => {
      if (fits(record, layout)) return record;
      deadLettered.push('output-too-large');
      return deadLetter(topology, layout, partition, record, 'output-too-large', `a record of ${record.size} bytes does not fit max.message.bytes ${maxMessageBytes(layout, record.topic)} of topic '${record.topic}'`);
    });
    try {
      const sized = [...records, ...internal.map((record) => ({ ...record, size: recordSize(record.message) }))];
      for (const round of produceRounds(layout, sized)) await this.producer.sendBatch({ topicMessages: round, acks: -1 });
      return deadLettered;
    } catch (error) {
      if (refusal(error) === undefined) throw this.failure(partition, error);
    }
    for (const record of records) {
      try {
        await this.producer.sendBatch({ topicMessages: [{ topic: record.topic, messages: [record.message] }], acks: -1 });
      } catch (error) {
        const type = refusal(error);
        if (type === undefined) throw this.failure(partition, error);
        deadLettered.push('output-refused');
        const letter = deadLetter(topology, layout, partition, record, 'output-refused', `the broker refused the record for topic '${record.topic}': ${type}`);
        await this.producer.sendBatch({ topicMessages: [{ topic: letter.topic, messages: [letter.message] }], acks: -1 }).catch((cause: unknown) => {
          throw this.failure(partition, cause);
        });
      }
    }
    const sizedInternal = internal.map((record) => ({ ...record, size: recordSize(record.message) }));
    for (const round of produceRounds(layout, sizedInternal)) await this.producer.sendBatch({ topicMessages: round, acks: -1 }).catch((cause: unknown) => {
      throw this.failure(partition, cause);
    });
    return deadLettered;
  }

  private failure(partition: number, error: unknown): ConnectorError {
    this.broken = true;
    return new ConnectorError(`send for partition ${partition} failed: ${(error as Error).message}`, { cause: error, retriable: true, context: { topology: this.topology.name, partition } });
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
