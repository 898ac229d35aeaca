import type { Admin, Kafka } from 'kafkajs';
import { readChangelogTail } from '../connectors/changelog-reader.js';
import { committedOffset, prepareTopics, type TopicLayout } from '../connectors/kafka-admin.js';
import { createKafka } from '../connectors/kafka-client.js';
import { AtLeastOnceSink, TransactionalSink } from '../connectors/kafka-sink.js';
import { KafkaSource, type SourceHandler } from '../connectors/kafka-source.js';
import { errorMessage, FencedError } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import { changelogTopic, clientId, consumerGroup, sinkGroup, statefulStepIds } from '../contracts/names.js';
import { backoffMs } from '../contracts/retry.js';
import type { SourceRecord } from '../contracts/source-record.js';
import type { SinkStep, Topology } from '../contracts/topology.js';
import { SinkRunner } from '../connectors/sink-runner.js';
import { recoverPartition } from '../state/recovery.js';
import type { StateStore } from '../state/state-store.js';
import { atLeastOnceCommitter, transactionalCommitter, type BatchCommitter } from './batch-commit.js';
import { noFaults, type Faults } from './faults.js';
import { operatorMetrics, sinkMetrics, type EngineMetrics } from './metrics.js';
import { setUpOperators, type OperatorResources } from './operator-setup.js';
import { PartitionTask } from './partition-task.js';

export interface KafkaWorkerOptions {
  readonly topology: Topology;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly faults?: Faults;
  /** Called when the worker cannot go on (its consumer stopped for good): the process should exit non-zero. */
  readonly onFatal?: (error: Error) => void;
}

interface PartitionRuntime {
  readonly task: PartitionTask;
  readonly commit: BatchCommitter;
  /** The partition's own producer (exactly-once), closed with the runtime. */
  readonly sink: TransactionalSink | undefined;
  /**
   * The group's committed offset read after fencing (exactly-once): records below it were committed by an earlier
   * owner after this consumer's position was fetched, and are skipped.
   */
  readonly committedFloor: bigint;
}

/**
 * One worker process of a topology: its operators set up once, a member of the topology's consumer group through the
 * Kafka source, and one partition task per assigned input partition, committed per the topology's guarantee.
 */
export class KafkaWorker implements SourceHandler {
  private readonly kafka: Kafka;
  private readonly group: string;
  private readonly faults: Faults;
  private readonly source: KafkaSource;
  private readonly partitions = new Map<number, PartitionRuntime>();
  private readonly failures = new Map<number, number>();
  private admin: Admin | undefined;
  private layout: TopicLayout | undefined;
  private resources: OperatorResources | undefined;
  private atLeastOnceSink: AtLeastOnceSink | undefined;
  private readonly sinkRunners: SinkRunner[] = [];

  constructor(private readonly options: KafkaWorkerOptions) {
    const { topology, logger } = options;
    this.kafka = createKafka({ brokers: topology.kafka.brokers, clientId: clientId(topology), logger, retry: topology.retry });
    this.group = consumerGroup(topology);
    this.faults = options.faults ?? noFaults;
    this.source = new KafkaSource(this.kafka, {
      topic: topology.source.kafka.topic,
      group: this.group,
      fromBeginning: topology.source.kafka.fromBeginning,
      maxWaitMs: topology.commitIntervalMs,
      maxRecords: topology.maxBatch.records,
      maxBytes: topology.maxBatch.bytes,
      concurrency: 8,
      logger,
    });
  }

  async start(): Promise<void> {
    const { topology, metrics, logger } = this.options;
    this.layout = await prepareTopics(this.kafka, topology);
    this.resources = await setUpOperators(topology, metrics, logger);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (topology.guarantee === 'at-least-once') {
      this.atLeastOnceSink = new AtLeastOnceSink(this.kafka, topology, this.layout);
      await this.atLeastOnceSink.connect();
    }
    await this.source.start(this);
    for (const sink of topology.sinks) await this.startSink(sink);
  }

  /** An idempotent sink: its own consumer group over the output's topic, in this worker. */
  private async startSink(sink: SinkStep): Promise<void> {
    const { topology, metrics, logger } = this.options;
    const output = topology.outputs[sink.from] as Topology['outputs'][string];
    const sinkLogger = logger.child({ sink: sink.name });
    const writer = await sink.definition.create(sink.config, { topology: topology.name, sink: sink.name, baseDir: topology.baseDir, metrics: operatorMetrics(metrics.registry, topology.name, `sink:${sink.name}`), logger: sinkLogger });
    const runner = new SinkRunner(this.kafka, {
      name: sink.name,
      topic: output.kafka.topic,
      format: output.kafka.format,
      group: sinkGroup(topology, sink.name),
      rejectedTopic: (topology.outputs.rejected as Topology['outputs'][string]).kafka.topic,
      maxRecords: topology.maxBatch.records,
      maxWaitMs: topology.commitIntervalMs,
      retry: topology.retry,
      writer,
      metrics: sinkMetrics(metrics, topology.name, sink.name),
      logger: sinkLogger,
    });
    await runner.start();
    this.sinkRunners.push(runner);
  }

  /** Finishes the chunk in progress, commits it, leaves the group, releases the operators and closes every connection. */
  async stop(): Promise<void> {
    await this.source.stop(this);
    for (const runner of this.sinkRunners.splice(0)) await runner.stop();
    await this.resources?.teardown();
    await this.atLeastOnceSink?.close();
    await this.admin?.disconnect();
  }

  health(): { ok: boolean; details: Record<string, unknown> } {
    const { crashed } = this.source.status();
    return { ok: crashed === undefined, details: { crashed: crashed?.message ?? null } };
  }

  ready(): { ok: boolean; details: Record<string, unknown> } {
    const { joined, crashed, partitions } = this.source.status();
    return { ok: joined && crashed === undefined, details: { joined, partitions } };
  }

  async chunk(partition: number, records: readonly SourceRecord[]): Promise<void> {
    const runtime = await this.runtimeFor(partition);
    const fresh = records.filter((record) => BigInt(record.offset) >= runtime.committedFloor);
    if (fresh.length > 0) {
      const result = await runtime.task.processRecords(fresh);
      const nextOffset = (BigInt((fresh[fresh.length - 1] as SourceRecord).offset) + 1n).toString();
      await runtime.commit(runtime.task.scope, result, nextOffset);
    }
    this.failures.delete(partition);
  }

  /** The transaction (if any) was aborted: forget the partition's runtime, resume at its committed offset after a backoff. */
  async failed(partition: number, firstOffset: string, error: unknown): Promise<{ resumeAt: string; delayMs: number }> {
    const { topology, metrics, logger } = this.options;
    const attempt = this.failures.get(partition) ?? 0;
    this.failures.set(partition, attempt + 1);
    const reason = error instanceof FencedError ? 'fenced' : 'error';
    metrics.transactionAborts.inc({ topology: topology.name, reason });
    await this.drop(partition, reason);
    let resumeAt = firstOffset;
    try {
      resumeAt = (await committedOffset(this.admin as Admin, this.group, topology.source.kafka.topic, partition)) ?? resumeAt;
    } catch (lookupError) {
      logger.warn('committed offset lookup failed; resuming at the failed chunk', { partition, error: lookupError });
    }
    const delayMs = error instanceof FencedError ? 0 : backoffMs(topology.retry, Math.min(attempt, 10));
    logger.warn('batch not committed; retrying from the committed offset', { partition, resumeAt, delayMs, reason, error: errorMessage(error) });
    return { resumeAt, delayMs };
  }

  async released(partitions: readonly number[], reason: 'revoked' | 'shutdown'): Promise<void> {
    await Promise.all(partitions.map((partition) => this.drop(partition, reason)));
  }

  fatal(error: Error): void {
    this.options.onFatal?.(error);
  }

  lag(partition: number, records: number): void {
    const { topology, metrics } = this.options;
    metrics.consumerLag.set({ topology: topology.name, topic: topology.source.kafka.topic, partition: String(partition) }, records);
  }

  /**
   * Step 1 of the exactly-once protocol: fences any earlier owner (InitProducerId) and only then reads the committed
   * offset and the store's checkpoint, restores state from the changelog when needed, and builds the task.
   */
  private async runtimeFor(partition: number): Promise<PartitionRuntime> {
    const existing = this.partitions.get(partition);
    if (existing !== undefined) return existing;
    const { topology, store, metrics, logger } = this.options;
    const task = new PartitionTask({ topology, partition, store, metrics, logger, resources: (this.resources as OperatorResources).byStep });
    const context = { topology, store, metrics };
    let runtime: PartitionRuntime;
    if (topology.guarantee === 'exactly-once') {
      const sink = new TransactionalSink(this.kafka, topology, this.layout as TopicLayout, partition, this.group, () => this.faults.reach('before-commit', { partition }));
      try {
        const committed = await this.fenceAndRecover(sink, partition);
        runtime = { task, sink, commit: transactionalCommitter(context, sink, this.faults), committedFloor: committed === undefined ? 0n : BigInt(committed) };
      } catch (error) {
        await sink.close();
        await task.dispose();
        throw error;
      }
    } else {
      runtime = { task, sink: undefined, commit: atLeastOnceCommitter(context, this.atLeastOnceSink as AtLeastOnceSink, (p, offset) => this.source.commitOffset(p, offset)), committedFloor: 0n };
    }
    this.partitions.set(partition, runtime);
    return runtime;
  }

  /** Fences the partition's earlier owners, then reads its committed offset and restores state; returns the offset. */
  private async fenceAndRecover(sink: TransactionalSink, partition: number): Promise<string | undefined> {
    const { topology, store, logger } = this.options;
    await this.faults.reach('before-fence', { partition });
    await sink.connect();
    const admin = this.admin as Admin;
    const started = performance.now();
    const committed = await committedOffset(admin, this.group, topology.source.kafka.topic, partition);
    const outcome = await recoverPartition({
      store,
      scope: { topology: topology.name, partition },
      statefulSteps: statefulStepIds(topology),
      committedOffset: committed,
      readTail: (stepId, from) => readChangelogTail(this.kafka, admin, changelogTopic(topology.name, stepId), partition, from),
    });
    if (outcome.replayed) logger.info('state restored from changelog', { partition, keys: outcome.keys, ms: Math.round(performance.now() - started) });
    return committed;
  }

  private async drop(partition: number, reason: string): Promise<void> {
    const runtime = this.partitions.get(partition);
    if (runtime === undefined) return;
    this.partitions.delete(partition);
    this.options.logger.info('partition released', { partition, reason });
    await runtime.sink?.close();
    await runtime.task.dispose();
  }
}
