import type { Message } from 'kafkajs';
import type { Envelope } from '../contracts/envelope.js';
import { FencedError, StateError } from '../contracts/errors.js';
import { retry } from '../contracts/retry.js';
import type { Topology } from '../contracts/topology.js';
import type { AtLeastOnceSink, InternalRecord, TransactionalSink } from '../connectors/kafka-sink.js';
import type { StateStore } from '../state/state-store.js';
import type { Faults } from './faults.js';
import type { EngineMetrics } from './metrics.js';
import type { BatchResult, PartitionTask } from './partition-task.js';
import type { RepartitionRecord } from './repartition.js';

/** Where a commit leaves its partition: the next input offset, and the tick at it (0 after a batch of records). */
export interface Position {
  readonly nextOffset: string;
  readonly tick: number;
}

/** Commits a processed batch of one partition — outputs, state, input offset — per the guarantee, then the task takes it on. */
export type BatchCommitter = (task: PartitionTask, result: BatchResult, position: Position) => Promise<void>;

interface CommitContext {
  readonly topology: Topology;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  /** The repartition topic the task's sub-topology writes to, if it ends in a key-by. */
  readonly repartitionTopic: string | undefined;
}

/**
 * Exactly-once (steps 3 and 4 of the protocol): outputs, repartition records, changelog and the input offset in one
 * Kafka transaction; then the state and its checkpoint applied to the store in one atomic step, which the store refuses
 * when another owner is ahead (then this worker has lost the partition). Counts go to the metrics once both are done.
 */
export function transactionalCommitter(context: CommitContext, sink: TransactionalSink, faults: Faults): BatchCommitter {
  const { topology, store, metrics } = context;
  return async (task, result, position) => {
    const started = performance.now();
    const { changelog, deadLettered } = await sink.commit({ outputs: result.outputs, mutations: result.mutations, nextOffset: position.nextOffset, tick: position.tick, internal: internalRecords(context, result.repartition) });
    metrics.commitDuration.observe({ topology: topology.name }, (performance.now() - started) / 1000);
    metrics.transactionCommits.inc({ topology: topology.name });
    await faults.reach('before-apply', { partition: task.scope.partition, nextOffset: position.nextOffset });
    const checkpoint = { inputOffset: position.nextOffset, changelog, watermark: result.watermark, tick: position.tick };
    const applied = await retry(() => store.apply(task.scope, result.mutations, checkpoint), topology.retry, { shouldRetry: (error) => error instanceof StateError });
    if (!applied) throw new FencedError(`state of partition ${task.scope.partition} is ahead of this worker: another worker owns it`, { context: { topology: topology.name, partition: task.scope.partition } });
    counted(context, task, result, deadLettered);
  };
}

/** At-least-once: outputs acknowledged, state applied, then the input offset committed; a crash in between re-delivers. */
export function atLeastOnceCommitter(context: CommitContext, sink: AtLeastOnceSink, commitOffset: (partition: number, offset: string) => Promise<void>): BatchCommitter {
  const { topology, store, metrics } = context;
  return async (task, result, position) => {
    const started = performance.now();
    const deadLettered = await sink.send(task.scope.partition, result.outputs, internalRecords(context, result.repartition));
    await store.apply(task.scope, result.mutations, { inputOffset: position.nextOffset, changelog: {}, watermark: result.watermark, tick: position.tick });
    if (position.tick === 0) await commitOffset(task.scope.partition, position.nextOffset);
    metrics.commitDuration.observe({ topology: topology.name }, (performance.now() - started) / 1000);
    counted(context, task, result, deadLettered);
  };
}

function internalRecords({ repartitionTopic }: CommitContext, records: readonly RepartitionRecord[]): InternalRecord[] {
  if (records.length === 0) return [];
  if (repartitionTopic === undefined) throw new TypeError('repartition records from a sub-topology without a key-by');
  return records.map((record) => {
    const message: Message = { key: record.key, value: record.value, headers: record.headers, timestamp: String(record.timestamp) };
    return { topic: repartitionTopic, message: record.partition === undefined ? message : { ...message, partition: record.partition } };
  });
}

function counted({ topology, metrics }: CommitContext, task: PartitionTask, result: BatchResult, deadLettered: readonly string[]): void {
  task.committed(result);
  for (const reason of deadLettered) result.tally.reject('', reason);
  result.tally.commit(metrics, topology.name);
  observeEndToEnd(metrics, topology.name, result.outputs);
}

function observeEndToEnd(metrics: EngineMetrics, topology: string, outputs: ReadonlyMap<string, readonly Envelope<unknown>[]>): void {
  const now = Date.now();
  for (const [output, envelopes] of outputs) {
    const histogram = metrics.endToEndLatency.labels({ topology, output });
    for (const envelope of envelopes) histogram.observe(Math.max(0, now - envelope.timestamp) / 1000);
  }
}
