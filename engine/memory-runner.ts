import kafkajs from 'kafkajs';
import { encodePayload } from '../connectors/payload-codec.js';
import type { Envelope } from '../contracts/envelope.js';
import { silentLogger, type Logger } from '../contracts/logger.js';
import type { SourceRecord } from '../contracts/source-record.js';
import { engineKeyPrefix } from '../contracts/state.js';
import type { Topology } from '../contracts/topology.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { jsonCodec } from '../state/state-codecs.js';
import type { StateStore } from '../state/state-store.js';
import { EngineMetrics } from './metrics.js';
import { setUpOperators, type OperatorResources } from './operator-setup.js';
import { PartitionTask, type BatchResult } from './partition-task.js';
import type { RepartitionRecord } from './repartition.js';
import { subtopologies, type Subtopology } from './subtopology.js';

/** A record piped into the runner: a payload (encoded per the source format) or its raw bytes. */
export interface InputRecord {
  readonly value: unknown;
  readonly key?: string | null;
  /** Event time, epoch ms (the Kafka timestamp, as far as the topology is concerned). */
  readonly timestamp?: number;
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface MemoryRunnerOptions {
  store?: StateStore;
  metrics?: EngineMetrics;
  logger?: Logger;
  /** Wall-clock start, ms; moved by `advanceTime`. */
  startTime?: number;
  /** Partitions of the input topic: records are piped to partitions below it (default: 1, more as records name them). */
  inputPartitions?: number;
  /** Partitions of the repartition topics of key-by steps without their own `partitions` (default: 1). */
  repartitionPartitions?: number;
}

/** One sub-topology in memory: its tasks by partition, the offsets of its source, its repartition partitions. */
interface Part {
  readonly subtopology: Subtopology;
  readonly tasks: Map<number, PartitionTask>;
  readonly nextOffsets: Map<number, bigint>;
  readonly ticks: Map<number, number>;
  readonly repartitionPartitions: number;
}

/** Kafka's default partitioner (murmur2 of the key), as the Kafka runtime's producers place keyed records. */
const placeKey = kafkajs.Partitioners.DefaultPartitioner();

/**
 * Runs a topology with no Kafka and no Redis — the test driver of Weir, as Kafka Streams' TopologyTestDriver is of
 * Streams: records in batches as the Kafka runtime would cut them, through the same partition tasks, committing state
 * to a memory store after each batch; key-by steps repartition in memory (records placed by the same hash of their
 * key, watermarks sent to every downstream partition); `advanceTime` moves the clock and fires the timers it made due.
 * Embedded mode (`weir run --embedded`) and the operator tests both use it.
 */
export class MemoryRunner {
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  private readonly logger: Logger;
  private readonly parts: readonly Part[];
  private readonly outputs = new Map<string, Envelope<unknown>[]>();
  private resources: Promise<OperatorResources> | undefined;
  private clock: number;
  private inputPartitions: number;

  constructor(
    readonly topology: Topology,
    options: MemoryRunnerOptions = {},
  ) {
    this.clock = options.startTime ?? 0;
    this.inputPartitions = options.inputPartitions ?? 1;
    // TTLs expire on the runner's clock, as the operators see it.
    this.store = options.store ?? new MemoryStateStore({ now: () => this.clock });
    this.metrics = options.metrics ?? new EngineMetrics();
    this.logger = options.logger ?? silentLogger;
    this.parts = subtopologies(topology).map((subtopology) => ({
      subtopology,
      tasks: new Map(),
      nextOffsets: new Map(),
      ticks: new Map(),
      repartitionPartitions: subtopology.next?.partitions ?? options.repartitionPartitions ?? 1,
    }));
  }

  /** Pipes records and commits them batch by batch (batches never mix partitions), through every sub-topology. */
  async pipe(records: readonly InputRecord[]): Promise<void> {
    const first = this.parts[0] as Part;
    const byPartition = new Map<number, SourceRecord[]>();
    for (const record of records) {
      const partition = record.partition ?? 0;
      if (partition >= this.inputPartitions) this.inputPartitions = partition + 1;
      await this.resumeOffsets(first, partition);
      const key = record.key === undefined || record.key === null ? null : Buffer.from(record.key);
      const value = Buffer.isBuffer(record.value) ? record.value : encodePayload(record.value, 'json');
      add(byPartition, partition, this.sourceRecord(first, partition, key, value, record.timestamp ?? this.clock, record.headers ?? {}));
    }
    await this.runPart(0, byPartition);
  }

  /** Moves the clock and runs what it made due: processing-time timers, and event time on idle partitions (when set). */
  async advanceTime(ms: number): Promise<void> {
    this.clock += ms;
    for (const [index, part] of this.parts.entries()) {
      for (const [partition, task] of part.tasks) {
        const result = await task.tick();
        if (result === undefined) continue;
        const tick = (part.ticks.get(partition) ?? 0) + 1;
        part.ticks.set(partition, tick);
        await this.commit(index, task, result, (part.nextOffsets.get(partition) ?? 0n).toString(), tick);
      }
    }
  }

  /** Takes the records committed to an output so far (and forgets them). */
  readOutput(name = 'default'): Envelope<unknown>[] {
    const records = this.outputs.get(name) ?? [];
    this.outputs.delete(name);
    return records;
  }

  /** Committed state of one operator on one partition, values decoded by the operator's codec (engine keys left out). */
  async state(operator: string, partition = 0): Promise<Map<string, unknown>> {
    const part = this.parts.find((candidate) => candidate.subtopology.steps.some((step) => step.id === operator));
    const step = part?.subtopology.steps.find((candidate) => candidate.id === operator);
    if (part === undefined || step === undefined) throw new TypeError(`no step '${operator}' in topology '${this.topology.name}'`);
    const codec = step.definition.stateCodec ?? jsonCodec;
    const id = part.subtopology.id;
    const entries = await this.store.entries(id === undefined ? { topology: this.topology.name, partition } : { topology: this.topology.name, partition, task: id }, operator);
    return new Map([...entries].filter(([key]) => !key.startsWith(engineKeyPrefix)).map(([key, bytes]) => [key, codec.decode(bytes)]));
  }

  /** The committed watermark of a task: of the sub-topology fed by `keyBy` (the first one when undefined). */
  watermark(partition = 0, keyBy?: string): number {
    const part = this.parts.find((candidate) => candidate.subtopology.id === keyBy);
    return part?.tasks.get(partition)?.watermark ?? Number.NEGATIVE_INFINITY;
  }

  /** Releases the partitions' operator instances and what the operators set up (as a worker does when it stops). */
  async close(): Promise<void> {
    for (const part of this.parts) {
      for (const task of part.tasks.values()) await task.dispose();
      part.tasks.clear();
    }
    await (await this.resources)?.teardown();
  }

  /** A partition seen for the first time resumes after its committed offset, as a restarted worker would. */
  private async resumeOffsets(part: Part, partition: number): Promise<void> {
    if (part.nextOffsets.has(partition)) return;
    const id = part.subtopology.id;
    const checkpoint = await this.store.readCheckpoint(id === undefined ? { topology: this.topology.name, partition } : { topology: this.topology.name, partition, task: id });
    part.nextOffsets.set(partition, BigInt(checkpoint?.inputOffset ?? 0));
  }

  private sourceRecord(part: Part, partition: number, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Readonly<Record<string, string>>): SourceRecord {
    const offset = part.nextOffsets.get(partition) ?? 0n;
    part.nextOffsets.set(partition, offset + 1n);
    part.ticks.delete(partition);
    return { topic: part.subtopology.source.topic, partition, offset: offset.toString(), key, value, timestamp, headers };
  }

  /** Runs one sub-topology over records by partition, then the next one over what it repartitioned. */
  private async runPart(index: number, byPartition: ReadonlyMap<number, SourceRecord[]>): Promise<void> {
    const part = this.parts[index] as Part;
    const maxRecords = this.topology.maxBatch.records;
    for (const [partition, list] of byPartition) {
      const task = await this.task(part, partition);
      for (let start = 0; start < list.length; start += maxRecords) {
        const batch = list.slice(start, start + maxRecords);
        const result = await task.processRecords(batch);
        await this.commit(index, task, result, (BigInt((batch[batch.length - 1] as SourceRecord).offset) + 1n).toString(), 0);
      }
    }
  }

  private async commit(index: number, task: PartitionTask, result: BatchResult, inputOffset: string, tick: number): Promise<void> {
    const applied = await this.store.apply(task.scope, result.mutations, { inputOffset, changelog: {}, watermark: result.watermark, tick });
    if (!applied) throw new TypeError(`memory store refused the commit of partition ${task.scope.partition}: offsets went backwards`);
    task.committed(result);
    result.tally.commit(this.metrics, this.topology.name);
    for (const [name, list] of result.outputs) add(this.outputs, name, ...list);
    if (result.repartition.length > 0) await this.runPart(index + 1, await this.route(index + 1, result.repartition));
  }

  /** Repartition records by downstream partition: keyed ones by the key's hash, watermarks where they are addressed. */
  private async route(index: number, records: readonly RepartitionRecord[]): Promise<Map<number, SourceRecord[]>> {
    const part = this.parts[index] as Part;
    const upstream = this.parts[index - 1] as Part;
    const partitions = upstream.repartitionPartitions;
    const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
    const byPartition = new Map<number, SourceRecord[]>();
    for (const record of records) {
      const key = record.key === null ? null : Buffer.from(record.key);
      const partition = record.partition ?? placeKey({ topic: part.subtopology.source.topic, partitionMetadata, message: { key, value: record.value } });
      await this.resumeOffsets(part, partition);
      add(byPartition, partition, this.sourceRecord(part, partition, key, record.value, record.timestamp, record.headers));
    }
    return byPartition;
  }

  private async task(part: Part, partition: number): Promise<PartitionTask> {
    let task = part.tasks.get(partition);
    if (task === undefined) {
      this.resources ??= setUpOperators(this.topology, this.metrics, this.logger);
      const resources = (await this.resources).byStep;
      const index = this.parts.indexOf(part);
      task = new PartitionTask({
        topology: this.topology,
        partition,
        store: this.store,
        metrics: this.metrics,
        logger: this.logger,
        resources,
        subtopology: part.subtopology,
        // Upstream of a repartition: the previous sub-topology's partitions (the input's for the first).
        upstreamPartitions: index === 0 ? 1 : this.upstreamPartitions(index),
        repartitionPartitions: part.repartitionPartitions,
        now: () => this.clock,
      });
      part.tasks.set(partition, task);
    }
    return task;
  }

  /** Partitions that feed a sub-topology: those of the input for the second one, those of a repartition topic after. */
  private upstreamPartitions(index: number): number {
    return index === 1 ? this.inputPartitions : (this.parts[index - 2] as Part).repartitionPartitions;
  }
}

function add<K, V>(map: Map<K, V[]>, key: K, ...values: V[]): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, values);
  else list.push(...values);
}
