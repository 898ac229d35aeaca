import type { Envelope } from '../contracts/envelope.js';
import { FencedError, StateError } from '../contracts/errors.js';
import { retry } from '../contracts/retry.js';
import type { PartitionScope } from '../contracts/state.js';
import type { Topology } from '../contracts/topology.js';
import type { AtLeastOnceSink, TransactionalSink } from '../connectors/kafka-sink.js';
import type { StateStore } from '../state/state-store.js';
import type { Faults } from './faults.js';
import type { EngineMetrics } from './metrics.js';
import type { BatchResult } from './partition-task.js';

/** Commits a processed batch of one partition: its outputs, its state and its input offset, per the guarantee. */
export type BatchCommitter = (scope: PartitionScope, result: BatchResult, nextOffset: string) => Promise<void>;

interface CommitContext {
  readonly topology: Topology;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
}

/**
 * Exactly-once (steps 3 and 4 of the protocol): outputs, changelog and the input offset in one Kafka transaction; then
 * the state and its checkpoint applied to the store in one atomic step, which the store refuses when another owner is
 * ahead (then this worker has lost the partition). Counts go to the metrics once both are done.
 */
export function transactionalCommitter(context: CommitContext, sink: TransactionalSink, faults: Faults): BatchCommitter {
  const { topology, store, metrics } = context;
  return async (scope, result, nextOffset) => {
    const started = performance.now();
    const { changelog, deadLettered } = await sink.commit({ outputs: result.outputs, mutations: result.mutations, nextOffset });
    metrics.commitDuration.observe({ topology: topology.name }, (performance.now() - started) / 1000);
    metrics.transactionCommits.inc({ topology: topology.name });
    await faults.reach('before-apply', { partition: scope.partition, nextOffset });
    const applied = await retry(() => store.apply(scope, result.mutations, { inputOffset: nextOffset, changelog }), topology.retry, { shouldRetry: (error) => error instanceof StateError });
    if (!applied) throw new FencedError(`state of partition ${scope.partition} is ahead of this worker: another worker owns it`, { context: { topology: topology.name, partition: scope.partition } });
    counted(context, result, deadLettered);
  };
}

/** At-least-once: outputs acknowledged, state applied, then the input offset committed; a crash in between re-delivers. */
export function atLeastOnceCommitter(context: CommitContext, sink: AtLeastOnceSink, commitOffset: (partition: number, offset: string) => Promise<void>): BatchCommitter {
  const { topology, store, metrics } = context;
  return async (scope, result, nextOffset) => {
    const started = performance.now();
    const deadLettered = await sink.send(scope.partition, result.outputs);
    await store.apply(scope, result.mutations, { inputOffset: nextOffset, changelog: {} });
    await commitOffset(scope.partition, nextOffset);
    metrics.commitDuration.observe({ topology: topology.name }, (performance.now() - started) / 1000);
    counted(context, result, deadLettered);
  };
}

function counted({ topology, metrics }: CommitContext, result: BatchResult, deadLettered: readonly string[]): void {
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
