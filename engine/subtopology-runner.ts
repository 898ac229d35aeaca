import type { Admin, Kafka } from 'kafkajs';
import { readChangelogTail } from '../connectors/changelog-reader.js';
import { committedPosition, type TopicLayout } from '../connectors/kafka-admin.js';
import type { AtLeastOnceSink} from '../connectors/kafka-sink.js';
import { TransactionalSink } from '../connectors/kafka-sink.js';
import { KafkaSource, type SourceHandler } from '../connectors/kafka-source.js';
import { errorMessage, FencedError } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import { changelogTopic, taskTransactionalId } from '../contracts/names.js';
import { backoffMs } from '../contracts/retry.js';
import type { SourceRecord } from '../contracts/source-record.js';
import type { Topology } from '../contracts/topology.js';
import { recoverPartition } from '../state/recovery.js';
import type { StateStore } from '../state/state-store.js';
import { atLeastOnceCommitter, transactionalCommitter, type BatchCommitter, type Position } from './batch-commit.js';
import type { Faults } from './faults.js';
import type { EngineMetrics } from './metrics.js';
import { PartitionTask } from './partition-task.js';
import type { Subtopology } from './subtopology.js';

export interface SubtopologyRunnerOptions {
  readonly topology: Topology;
  readonly subtopology: Subtopology;
  readonly group: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly layout: TopicLayout;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly faults: Faults;
  readonly resources: ReadonlyMap<string, unknown>;
  /** The worker's shared producer for at-least-once (undefined when exactly-once). */
  readonly atLeastOnceSink: AtLeastOnceSink | undefined;
  readonly onFatal: (error: Error) => void;
}

interface PartitionRuntime {
  readonly task: PartitionTask;
  readonly commit: BatchCommitter;
  /** The partition's own producer (exactly-once), closed with the runtime. */
  readonly sink: TransactionalSink | undefined;
  /**
   * Where the partition's last commit left it: records below `nextOffset` were committed (by this owner or, read after
   * fencing, an earlier one after this consumer's position was fetched) and are skipped.
   */
  position: Position;
  /** Chunks and ticks of one partition run one at a time. */
  lock: Promise<void>;
  busy: boolean;
}

/**
 * The tasks of one sub-topology in a worker: a member of its consumer group through a Kafka source, and one partition
 * task per assigned partition, committed per the topology's guarantee. A ticker runs the timers of partitions that
 * receive nothing (processing-time timers, and event time that follows the clock on an idle partition).
 */
export class SubtopologyRunner implements SourceHandler {
  private readonly source: KafkaSource;
  private readonly partitions = new Map<number, Promise<PartitionRuntime>>();
  private readonly failures = new Map<number, number>();
  private ticker: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly options: SubtopologyRunnerOptions) {
    const { topology, subtopology, kafka, group, logger } = options;
    this.source = new KafkaSource(kafka, {
      topic: subtopology.source.topic,
      group,
      fromBeginning: subtopology.source.repartition || topology.source.kafka.fromBeginning,
      maxWaitMs: topology.commitIntervalMs,
      maxRecords: topology.maxBatch.records,
      maxBytes: topology.maxBatch.bytes,
      concurrency: 8,
      restart: topology.kafka.retry,
      logger: subtopology.id === undefined ? logger : logger.child({ subtopology: subtopology.id }),
    });
  }

  async start(): Promise<void> {
    await this.source.start(this);
    const interval = Math.max(50, this.options.topology.commitIntervalMs);
    this.ticker = setInterval(() => void this.tickAll(), interval);
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    await this.source.stop(this);
  }

  status(): ReturnType<KafkaSource['status']> {
    return this.source.status();
  }

  async chunk(partition: number, records: readonly SourceRecord[]): Promise<void> {
    const runtime = await this.runtimeFor(partition);
    await this.locked(runtime, async () => {
      const floor = BigInt(runtime.position.nextOffset);
      const fresh = records.filter((record) => BigInt(record.offset) >= floor);
      if (fresh.length === 0) return;
      const result = await runtime.task.processRecords(fresh);
      const position = { nextOffset: (BigInt((fresh[fresh.length - 1] as SourceRecord).offset) + 1n).toString(), tick: 0 };
      await runtime.commit(runtime.task, result, position);
      runtime.position = position;
    });
    this.failures.delete(partition);
  }

  /** The transaction (if any) was aborted: forget the partition's runtime, resume at its committed offset after a backoff. */
  async failed(partition: number, firstOffset: string, error: unknown): Promise<{ resumeAt: string; delayMs: number }> {
    const { topology, metrics, logger, admin, group, subtopology } = this.options;
    const attempt = this.failures.get(partition) ?? 0;
    this.failures.set(partition, attempt + 1);
    const reason = error instanceof FencedError ? 'fenced' : 'error';
    metrics.transactionAborts.inc({ topology: topology.name, reason });
    await this.drop(partition, reason);
    let resumeAt = firstOffset;
    try {
      resumeAt = (await committedPosition(admin, group, subtopology.source.topic, partition))?.inputOffset ?? resumeAt;
    } catch (lookupError) {
      logger.warn('committed offset lookup failed; resuming at the failed chunk', { partition, error: lookupError });
    }
    const delayMs = error instanceof FencedError ? 0 : backoffMs(topology.retry, Math.min(attempt, 10));
    logger.warn('batch not committed; retrying from the committed offset', { partition, resumeAt, delayMs, reason, error: errorMessage(error) });
    return { resumeAt, delayMs };
  }

  /** Prepares newly assigned partitions (fencing, recovery) so their timers run even before their first records. */
  assigned(partitions: readonly number[]): void {
    for (const partition of partitions) {
      if (this.partitions.has(partition)) continue;
      this.runtimeFor(partition).catch((error: unknown) => this.options.logger.warn('partition not prepared; it will be at its first records', { partition, error: errorMessage(error) }));
    }
  }

  async released(partitions: readonly number[], reason: 'revoked' | 'shutdown'): Promise<void> {
    await Promise.all(partitions.map((partition) => this.drop(partition, reason)));
  }

  lag(partition: number, records: number): void {
    const { topology, metrics, subtopology } = this.options;
    metrics.consumerLag.set({ topology: topology.name, topic: subtopology.source.topic, partition: String(partition) }, records);
  }

  fatal(error: Error): void {
    this.options.onFatal(error);
  }

  /** Ticks every partition this runner holds; a partition busy with a chunk is left for the next round. */
  private async tickAll(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const [partition, pending] of this.partitions) await this.tickOne(partition, pending);
    } finally {
      this.ticking = false;
    }
  }

  private async tickOne(partition: number, pending: Promise<PartitionRuntime>): Promise<void> {
    {
      let runtime: PartitionRuntime;
      try {
        runtime = await pending;
      } catch {
        return;
      }
      if (runtime.busy) return;
      await this.locked(runtime, async () => {
        const result = await runtime.task.tick();
        if (result === undefined) return;
        const position = { nextOffset: runtime.position.nextOffset, tick: runtime.position.tick + 1 };
        await runtime.commit(runtime.task, result, position);
        runtime.position = position;
      }).catch(async (error: unknown) => {
        this.options.logger.warn('timers of an idle partition not committed; retrying at the next tick', { partition, error: errorMessage(error) });
        await this.drop(partition, 'error');
      });
    }
  }

  private async locked(runtime: PartitionRuntime, work: () => Promise<void>): Promise<void> {
    const previous = runtime.lock;
    let release: () => void = () => undefined;
    runtime.lock = new Promise((resolve) => (release = resolve));
    await previous;
    runtime.busy = true;
    try {
      await work();
    } finally {
      runtime.busy = false;
      release();
    }
  }

  private runtimeFor(partition: number): Promise<PartitionRuntime> {
    let runtime = this.partitions.get(partition);
    if (runtime === undefined) {
      runtime = this.createRuntime(partition);
      this.partitions.set(partition, runtime);
      runtime.catch(() => this.partitions.delete(partition));
    }
    return runtime;
  }

  /**
   * Step 1 of the exactly-once protocol: fences any earlier owner (InitProducerId) and only then reads the committed
   * position and the store's checkpoint, restores state from the changelog when needed, and builds the task.
   */
  private async createRuntime(partition: number): Promise<PartitionRuntime> {
    const { topology, subtopology, store, metrics, logger, layout, faults, kafka, admin, group } = this.options;
    const next = subtopology.next;
    const task = new PartitionTask({
      topology,
      partition,
      store,
      metrics,
      logger,
      resources: this.options.resources,
      subtopology,
      upstreamPartitions: layout.inputPartitions,
      ...(next === undefined ? {} : { repartitionPartitions: layout.outputPartitions.get(next.topic) ?? layout.inputPartitions }),
    });
    const context = { topology, store, metrics, repartitionTopic: next?.topic };
    if (topology.guarantee === 'at-least-once') {
      const checkpoint = await store.readCheckpoint(task.scope);
      const commit = atLeastOnceCommitter(context, this.options.atLeastOnceSink as AtLeastOnceSink, (p, offset) => this.source.commitOffset(p, offset));
      return { task, sink: undefined, commit, position: { nextOffset: checkpoint?.inputOffset ?? '0', tick: checkpoint?.tick ?? 0 }, lock: Promise.resolve(), busy: false };
    }
    const sink = new TransactionalSink(kafka, topology, layout, partition, {
      sourceTopic: subtopology.source.topic,
      transactionalId: taskTransactionalId(topology, subtopology.source.topic, partition),
      group,
      beforeCommit: () => faults.reach('before-commit', { partition }),
    });
    try {
      await faults.reach('before-fence', { partition });
      await sink.connect();
      const started = performance.now();
      const committed = await committedPosition(admin, group, subtopology.source.topic, partition);
      const outcome = await recoverPartition({
        store,
        scope: task.scope,
        statefulSteps: subtopology.steps.filter((step) => step.definition.stateful === true).map((step) => step.id),
        committed,
        readTail: (stepId, from) => readChangelogTail(kafka, admin, changelogTopic(topology.name, stepId), partition, from),
      });
      if (outcome.replayed) logger.info('state restored from changelog', { partition, subtopology: subtopology.id, keys: outcome.keys, ms: Math.round(performance.now() - started) });
      return { task, sink, commit: transactionalCommitter(context, sink, faults), position: { nextOffset: committed?.inputOffset ?? '0', tick: committed?.tick ?? 0 }, lock: Promise.resolve(), busy: false };
    } catch (error) {
      await sink.close();
      await task.dispose();
      throw error;
    }
  }

  private async drop(partition: number, reason: string): Promise<void> {
    const pending = this.partitions.get(partition);
    if (pending === undefined) return;
    this.partitions.delete(partition);
    const runtime = await pending.catch(() => undefined);
    if (runtime === undefined) return;
    this.options.logger.info('partition released', { partition, reason, subtopology: this.options.subtopology.id });
    await runtime.lock;
    await runtime.sink?.close();
    await runtime.task.dispose();
  }
}
