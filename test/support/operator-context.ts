import type { Registry } from 'prom-client';
import type { Envelope } from '../../contracts/envelope.js';
import { silentLogger } from '../../contracts/logger.js';
import type { OperatorContext } from '../../contracts/operator.js';
import { rejectedEnvelope } from '../../contracts/rejection.js';
import { operatorMetrics } from '../../engine/metrics.js';
import { BatchOverlay } from '../../state/batch-overlay.js';
import { MemoryStateStore } from '../../state/memory-store.js';
import { jsonCodec } from '../../state/state-codecs.js';

/**
 * A context for running one operator instance directly, outside a topology (what the engine gives it, with state in
 * a memory overlay, side outputs handed to `emit`, and no timers). Tests that run whole topologies use MemoryRunner.
 */
export function standaloneContext(options: { topology: string; operator: string; partition?: number; registry: Registry; emit: (output: string, envelope: Envelope<unknown>) => void }): OperatorContext<undefined> {
  const partition = options.partition ?? 0;
  const overlay = new BatchOverlay(new MemoryStateStore(), { topology: options.topology, partition });
  const noTimers = (): never => {
    throw new TypeError('no timers outside a topology: run the operator in a MemoryRunner');
  };
  return {
    topology: options.topology,
    operator: options.operator,
    partition,
    baseDir: '.',
    state: overlay.view(options.operator, jsonCodec, () => 0),
    emit: options.emit,
    reject: (envelope, rejection) => options.emit('rejected', rejectedEnvelope(envelope, { operator: options.operator, ...rejection })),
    watermark: () => 0,
    now: () => 0,
    timers: { atEventTime: noTimers, atProcessingTime: noTimers, cancelEventTime: noTimers, cancelProcessingTime: noTimers },
    onTimer: noTimers,
    resources: undefined,
    onDispose: () => undefined,
    metrics: operatorMetrics(options.registry, options.topology, options.operator),
    logger: silentLogger,
  };
}
