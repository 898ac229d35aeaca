import { encodePayload } from '../connectors/payload-codec.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { jsonCodec } from '../state/state-codecs.js';
import type { StateStore } from '../state/state-store.js';
import type { Envelope } from '../contracts/envelope.js';
import { silentLogger, type Logger } from '../contracts/logger.js';
import { EngineMetrics } from './metrics.js';
import { PartitionTask } from './partition-task.js';
import type { SourceRecord } from '../contracts/source-record.js';
import type { Topology } from '../contracts/topology.js';
import { setUpOperators, type OperatorResources } from './operator-setup.js';

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
}

/**
 * Runs a topology with no Kafka and no Redis: records in batches as the Kafka runtime would cut them,
 * through the same partition tasks, committing state to a memory store after each batch.
 * Embedded mode (`weir run --embedded`) and the operator tests both use it.
 */
export class MemoryRunner {
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  private readonly logger: Logger;
  private readonly tasks = new Map<number, PartitionTask>();
  private readonly nextOffsets = new Map<number, bigint>();
  private readonly outputs = new Map<string, Envelope<unknown>[]>();
  private resources: Promise<OperatorResources> | undefined;
  private clock: number;

  constructor(readonly topology: Topology, options: MemoryRunnerOptions = {}) {
    this.clock = options.startTime ?? 0;
    // TTLs expire on the runner's clock, as the operators see it.
    this.store = options.store ?? new MemoryStateStore({ now: () => this.clock });
    this.metrics = options.metrics ?? new EngineMetrics();
    this.logger = options.logger ?? silentLogger;
  }

  /** Pipes records and commits them batch by batch (batches never mix partitions). */
  async pipe(records: readonly InputRecord[]): Promise<void> {
    const byPartition = new Map<number, SourceRecord[]>();
    for (const record of records) {
      const partition = record.partition ?? 0;
      const offset = this.nextOffsets.get(partition) ?? 0n;
      this.nextOffsets.set(partition, offset + 1n);
      let list = byPartition.get(partition);
      if (list === undefined) byPartition.set(partition, (list = []));
      list.push({
        topic: this.topology.source.kafka.topic,
        partition,
        offset: offset.toString(),
        key: record.key === undefined || record.key === null ? null : Buffer.from(record.key),
        value: Buffer.isBuffer(record.value) ? record.value : encodePayload(record.value, 'json'),
        timestamp: record.timestamp ?? this.clock,
        headers: record.headers ?? {},
      });
    }
    const maxRecords = this.topology.maxBatch.records;
    for (const [partition, list] of byPartition) {
      for (let start = 0; start < list.length; start += maxRecords) await this.commitBatch(partition, list.slice(start, start + maxRecords));
    }
  }

  /** Takes the records committed to an output so far (and forgets them). */
  readOutput(name = 'default'): Envelope<unknown>[] {
    const records = this.outputs.get(name) ?? [];
    this.outputs.delete(name);
    return records;
  }

  /** Committed state of one operator on one partition, values decoded by the operator's codec. */
  async state(operator: string, partition = 0): Promise<Map<string, unknown>> {
    const step = this.topology.pipeline.find((candidate) => candidate.id === operator);
    if (step === undefined) throw new TypeError(`no step '${operator}' in topology '${this.topology.name}'`);
    const codec = step.definition.stateCodec ?? jsonCodec;
    const entries = await this.store.entries({ topology: this.topology.name, partition }, operator);
    return new Map([...entries].map(([key, bytes]) => [key, codec.decode(bytes)]));
  }

  /** Releases the partitions' operator instances and what the operators set up (as a worker does when it stops). */
  async close(): Promise<void> {
    for (const task of this.tasks.values()) await task.dispose();
    this.tasks.clear();
    await (await this.resources)?.teardown();
  }

  advanceTime(ms: number): void {
    this.clock += ms;
  }

  private async task(partition: number): Promise<PartitionTask> {
    let task = this.tasks.get(partition);
    if (task === undefined) {
      this.resources ??= setUpOperators(this.topology, this.metrics, this.logger);
      const resources = (await this.resources).byStep;
      task = new PartitionTask({ topology: this.topology, partition, store: this.store, metrics: this.metrics, logger: this.logger, resources, now: () => this.clock });
      this.tasks.set(partition, task);
    }
    return task;
  }

  private async commitBatch(partition: number, records: readonly SourceRecord[]): Promise<void> {
    const task = await this.task(partition);
    const result = await task.processRecords(records);
    const last = records[records.length - 1] as SourceRecord;
    const applied = await this.store.apply(task.scope, result.mutations, { inputOffset: (BigInt(last.offset) + 1n).toString(), changelog: {} });
    if (!applied) throw new TypeError(`memory store refused the commit of partition ${partition}: offsets went backwards`);
    result.tally.commit(this.metrics, this.topology.name);
    for (const [name, list] of result.outputs) {
      const committed = this.outputs.get(name);
      if (committed === undefined) this.outputs.set(name, [...list]);
      else committed.push(...list);
    }
  }
}
