import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { readChangelogTail } from '../connectors/changelog-reader.js';
import { committedOffset, prepareTopics, type TopicLayout } from '../connectors/kafka-admin.js';
import { changelogTopic, clientId, consumerGroup, statefulStepIds } from '../contracts/names.js';
import { createKafka } from '../connectors/kafka-client.js';
import { AtLeastOnceSink, TransactionalSink, type BatchCommit } from '../connectors/kafka-sink.js';
import { recoverPartition } from '../state/recovery.js';
import type { StateStore } from '../state/state-store.js';
import type { Envelope } from '../contracts/envelope.js';
import { errorMessage, FencedError, StateError } from '../contracts/errors.js';
import { noFaults, type Faults } from './faults.js';
import type { Logger } from '../contracts/logger.js';
import type { EngineMetrics } from './metrics.js';
import { PartitionTask } from './partition-task.js';
import type { SourceRecord } from './record-decoder.js';
import { backoffMs, retry } from '../contracts/retry.js';
import type { Topology } from './topology-loader.js';

export interface KafkaWorkerOptions {
  readonly topology: Topology;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly faults?: Faults;
}

interface PartitionRuntime {
  readonly task: PartitionTask;
  readonly sink: TransactionalSink | undefined;
  /**
   * The group's committed offset read after fencing (exactly-once): records below it were committed by an earlier
   * owner after this consumer's position was fetched, and are skipped.
   */
  readonly committedFloor: bigint;
}

/** How long the state apply after a commit is retried before the partition falls back to changelog recovery. */
const applyRetryPolicy = { retries: 20, initialRetryTime: 100, maxRetryTime: 5_000, factor: 0.2, multiplier: 2 };

/**
 * One worker process of a topology: a member of the topology's consumer group, running one partition task
 * per assigned input partition. Batches are pulled: a partition's next fetch waits until its batch is
 * committed, so lag grows in Kafka, not in memory.
 */
export class KafkaWorker {
  private readonly kafka: Kafka;
  private readonly group: string;
  private readonly exactlyOnce: boolean;
  private readonly faults: Faults;
  private readonly partitions = new Map<number, PartitionRuntime>();
  private readonly failures = new Map<number, number>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private layout: TopicLayout | undefined;
  private atLeastOnceSink: AtLeastOnceSink | undefined;
  private joined = false;
  private crashed: Error | undefined;

  constructor(private readonly options: KafkaWorkerOptions) {
    const { topology, logger } = options;
    this.kafka = createKafka({ brokers: topology.kafka.brokers, clientId: clientId(topology), logger });
    this.group = consumerGroup(topology);
    this.exactlyOnce = topology.guarantee === 'exactly-once';
    this.faults = options.faults ?? noFaults;
  }

  async start(): Promise<void> {
    const { topology, logger } = this.options;
    this.layout = await prepareTopics(this.kafka, topology);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (!this.exactlyOnce) {
      this.atLeastOnceSink = new AtLeastOnceSink(this.kafka, topology, this.layout);
      await this.atLeastOnceSink.connect();
    }
    const consumer = this.kafka.consumer({
      groupId: this.group,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: topology.commitIntervalMs,
      maxBytesPerPartition: topology.maxBatch.bytes,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = new Set(payload.memberAssignment[topology.source.kafka.topic] ?? []);
      this.joined = true;
      logger.info('partitions assigned', { partitions: [...assigned].sort((a, b) => a - b) });
      for (const partition of [...this.partitions.keys()]) if (!assigned.has(partition)) void this.dropPartition(partition, 'revoked');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.crashed = payload.error;
      logger.error('consumer crashed', { error: payload.error, restart: payload.restart });
      if (payload.restart) this.crashed = undefined;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topology.source.kafka.topic], fromBeginning: topology.source.kafka.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.min(this.layout.inputPartitions, 8),
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Finishes the batch in progress, commits it, leaves the group and closes every connection. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await Promise.all([...this.partitions.keys()].map((partition) => this.dropPartition(partition, 'shutdown')));
    await this.atLeastOnceSink?.close();
    await this.admin?.disconnect();
  }

  health(): { ok: boolean; details: Record<string, unknown> } {
    return { ok: this.crashed === undefined, details: { crashed: this.crashed?.message ?? null } };
  }

  ready(): { ok: boolean; details: Record<string, unknown> } {
    return { ok: this.joined && this.crashed === undefined, details: { joined: this.joined, partitions: [...this.partitions.keys()] } };
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topology, metrics } = this.options;
    const partition = batch.partition;
    metrics.consumerLag.set({ topology: topology.name, topic: batch.topic, partition: String(partition) }, Number(batch.offsetLag()));
    if (batch.messages.length === 0) {
      // Only transaction markers: move past them (KafkaJS issue 1665 is what not resolving leads to).
      resolveOffset(batch.lastOffset());
      return;
    }
    for (const chunk of chunks(batch.messages, topology.maxBatch.records, topology.maxBatch.bytes)) {
      if (!isRunning() || isStale()) return;
      let records = chunk.map((message) => toSourceRecord(batch.topic, partition, message));
      try {
        const runtime = await this.runtimeFor(partition);
        records = records.filter((record) => BigInt(record.offset) >= runtime.committedFloor);
        if (records.length > 0) await this.commitChunk(runtime, partition, records);
        this.failures.delete(partition);
      } catch (error) {
        await this.recoverFromFailure(partition, records[0] as SourceRecord, error);
        return;
      }
      resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset);
      await heartbeat();
    }
    resolveOffset(batch.lastOffset());
  }

  private async commitChunk(runtime: PartitionRuntime, partition: number, records: readonly SourceRecord[]): Promise<void> {
    const { topology, store, metrics } = this.options;
    const result = await runtime.task.processRecords(records);
    const nextOffset = (BigInt((records[records.length - 1] as SourceRecord).offset) + 1n).toString();
    const commit: BatchCommit = { outputs: result.outputs, mutations: result.mutations, nextOffset };
    const started = performance.now();
    if (runtime.sink !== undefined) {
      const { changelog, deadLettered } = await runtime.sink.commit(commit);
      this.countDeadLetters(deadLettered);
      metrics.commitDuration.observe({ topology: topology.name }, (performance.now() - started) / 1000);
      metrics.transactionCommits.inc({ topology: topology.name });
      await this.faults.reach('before-apply', { partition, nextOffset });
      const applied = await retry(() => store.apply(runtime.task.scope, result.mutations, { inputOffset: nextOffset, changelog }), applyRetryPolicy, {
        shouldRetry: (error) => error instanceof StateError,
      });
      if (!applied) throw new FencedError(`state of partition ${partition} is ahead of this worker: another worker owns it`, { context: { topology: topology.name, partition } });
    } else {
      this.countDeadLetters(await (this.atLeastOnceSink as AtLeastOnceSink).send(partition, result.outputs));
      await store.apply(runtime.task.scope, result.mutations, { inputOffset: nextOffset, changelog: {} });
      await (this.consumer as Consumer).commitOffsets([{ topic: topology.source.kafka.topic, partition, offset: nextOffset }]);
      metrics.commitDuration.observe({ topology: topology.name }, (performance.now() - started) / 1000);
    }
    observeEndToEnd(metrics, topology.name, result.outputs);
  }

  /** Outputs the sink turned into dead letters (too large, refused by the broker), counted by reason. */
  private countDeadLetters(reasons: readonly string[]): void {
    for (const reason of reasons) this.options.metrics.rejects.inc({ topology: this.options.topology.name, operator: '', reason });
  }

  /** Abort has happened in the sink; forget the partition's runtime, seek back to the committed offset and back off. */
  private async recoverFromFailure(partition: number, firstRecord: SourceRecord, error: unknown): Promise<void> {
    const { topology, metrics, logger } = this.options;
    const attempt = this.failures.get(partition) ?? 0;
    this.failures.set(partition, attempt + 1);
    const reason = error instanceof FencedError ? 'fenced' : 'error';
    metrics.transactionAborts.inc({ topology: topology.name, reason });
    await this.dropPartition(partition, reason);
    let resumeAt = firstRecord.offset;
    try {
      resumeAt = (await committedOffset(this.admin as Admin, this.group, topology.source.kafka.topic, partition)) ?? resumeAt;
    } catch (lookupError) {
      logger.warn('committed offset lookup failed; resuming at the failed chunk', { partition, error: lookupError });
    }
    (this.consumer as Consumer).seek({ topic: topology.source.kafka.topic, partition, offset: resumeAt });
    const delayMs = error instanceof FencedError ? 0 : backoffMs(topology.retry, Math.min(attempt, 10));
    logger.warn('batch not committed; retrying from the committed offset', { partition, resumeAt, delayMs, reason, error: errorMessage(error) });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }

  /**
   * Step 1 of the exactly-once protocol: fences any earlier owner (InitProducerId) and only then reads the committed
   * offset and the store's checkpoint, restores state from the changelog when needed, and builds the task.
   */
  private async runtimeFor(partition: number): Promise<PartitionRuntime> {
    const existing = this.partitions.get(partition);
    if (existing !== undefined) return existing;
    const { topology, store, metrics, logger } = this.options;
    let sink: TransactionalSink | undefined;
    let committedFloor = 0n;
    if (this.exactlyOnce) {
      const faults = this.faults;
      sink = new TransactionalSink(this.kafka, topology, this.layout as TopicLayout, partition, this.group, () => faults.reach('before-commit', { partition }));
      try {
        await this.faults.reach('before-fence', { partition });
        await sink.connect();
        const admin = this.admin as Admin;
        const started = performance.now();
        const committed = await committedOffset(admin, this.group, topology.source.kafka.topic, partition);
        if (committed !== undefined) committedFloor = BigInt(committed);
        const outcome = await recoverPartition({
          store,
          scope: { topology: topology.name, partition },
          statefulSteps: statefulStepIds(topology),
          committedOffset: committed,
          readTail: (stepId, from) => readChangelogTail(this.kafka, admin, changelogTopic(topology.name, stepId), partition, from),
        });
        if (outcome.replayed) logger.info('state restored from changelog', { partition, keys: outcome.keys, ms: Math.round(performance.now() - started) });
      } catch (error) {
        await sink.close();
        throw error;
      }
    }
    const runtime = { task: new PartitionTask({ topology, partition, store, metrics, logger }), sink, committedFloor };
    this.partitions.set(partition, runtime);
    return runtime;
  }

  private async dropPartition(partition: number, reason: string): Promise<void> {
    const runtime = this.partitions.get(partition);
    if (runtime === undefined) return;
    this.partitions.delete(partition);
    this.options.logger.info('partition released', { partition, reason });
    await runtime.sink?.close();
  }
}

function toSourceRecord(topic: string, partition: number, message: KafkaMessage): SourceRecord {
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

function observeEndToEnd(metrics: EngineMetrics, topology: string, outputs: ReadonlyMap<string, readonly Envelope<unknown>[]>): void {
  const now = Date.now();
  for (const [output, envelopes] of outputs) {
    const histogram = metrics.endToEndLatency.labels({ topology, output });
    for (const envelope of envelopes) histogram.observe(Math.max(0, now - envelope.timestamp) / 1000);
  }
}
