import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricNames } from '../contracts/metric-names.js';
import type { OperatorMetrics } from '../contracts/operator.js';
import type { SinkMetrics } from '../connectors/sink-runner.js';

export const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The engine's own metrics, one instance (and one registry) per worker. */
export class EngineMetrics {
  readonly registry: Registry;
  readonly recordsIn: Counter<'topology' | 'operator'>;
  readonly recordsOut: Counter<'topology' | 'operator' | 'output'>;
  readonly operatorLatency: Histogram<'topology' | 'operator'>;
  readonly endToEndLatency: Histogram<'topology' | 'output'>;
  readonly consumerLag: Gauge<'topology' | 'topic' | 'partition'>;
  readonly transactionCommits: Counter<'topology'>;
  readonly transactionAborts: Counter<'topology' | 'reason'>;
  readonly commitDuration: Histogram<'topology'>;
  readonly rejects: Counter<'topology' | 'operator' | 'reason'>;
  readonly stateOperations: Counter<'topology' | 'operation'>;
  readonly sinkWrites: Counter<'topology' | 'sink'>;
  readonly sinkWriteDuration: Histogram<'topology' | 'sink'>;
  readonly sinkLag: Gauge<'topology' | 'sink' | 'partition'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registry = new Registry();
    this.registry = registry;
    if (options.defaultMetrics ?? false) collectDefaultMetrics({ register: registry, prefix: 'weir_process_' });
    this.recordsIn = new Counter({ name: metricNames.recordsIn, help: 'Records that entered an operator.', labelNames: ['topology', 'operator'], registers: [registry] });
    this.recordsOut = new Counter({ name: metricNames.recordsOut, help: 'Records an operator passed on, per output.', labelNames: ['topology', 'operator', 'output'], registers: [registry] });
    this.operatorLatency = new Histogram({ name: metricNames.operatorLatency, help: 'Time from the start of a batch until this operator has passed on all of it, seconds.', labelNames: ['topology', 'operator'], buckets: latencyBuckets, registers: [registry] });
    this.endToEndLatency = new Histogram({ name: metricNames.endToEndLatency, help: 'Event time to commit of the output, seconds.', labelNames: ['topology', 'output'], buckets: [...latencyBuckets, 30, 60, 300], registers: [registry] });
    this.consumerLag = new Gauge({ name: metricNames.consumerLag, help: 'Records between the committed offset and the end of the partition.', labelNames: ['topology', 'topic', 'partition'], registers: [registry] });
    this.transactionCommits = new Counter({ name: metricNames.transactionCommits, help: 'Committed batches.', labelNames: ['topology'], registers: [registry] });
    this.transactionAborts = new Counter({ name: metricNames.transactionAborts, help: 'Aborted batches, by reason.', labelNames: ['topology', 'reason'], registers: [registry] });
    this.commitDuration = new Histogram({ name: metricNames.commitDuration, help: 'Duration of a batch commit (transaction or offset commit), seconds.', labelNames: ['topology'], buckets: latencyBuckets, registers: [registry] });
    this.rejects = new Counter({ name: metricNames.rejects, help: 'Records sent to the rejected output, by reason.', labelNames: ['topology', 'operator', 'reason'], registers: [registry] });
    this.sinkWrites = new Counter({ name: metricNames.sinkWrites, help: 'Records a sink wrote to its external system.', labelNames: ['topology', 'sink'], registers: [registry] });
    this.sinkWriteDuration = new Histogram({ name: metricNames.sinkWriteDuration, help: 'Duration of one sink write (a batch of records), seconds.', labelNames: ['topology', 'sink'], buckets: latencyBuckets, registers: [registry] });
    this.sinkLag = new Gauge({ name: metricNames.sinkLag, help: 'Committed records of the output a sink has not written yet, per partition.', labelNames: ['topology', 'sink', 'partition'], registers: [registry] });
    this.stateOperations = new Counter({ name: metricNames.stateOperations, help: 'State store operations.', labelNames: ['topology', 'operation'], registers: [registry] });
  }
}


/**
 * The metrics an operator declares for itself, in the worker's registry. `hold`, when given, receives counter
 * increments instead of the counter (the batch in progress keeps them until it commits) and returns false when no batch
 * runs, so the increment counts at once.
 */
/** The metrics of one sink runner, in the worker's registry. */
export function sinkMetrics(metrics: EngineMetrics, topology: string, sink: string): SinkMetrics {
  return {
    written: (records) => metrics.sinkWrites.inc({ topology, sink }, records),
    writeSeconds: (seconds) => metrics.sinkWriteDuration.observe({ topology, sink }, seconds),
    lag: (partition, records) => metrics.sinkLag.set({ topology, sink, partition: String(partition) }, records),
    rejected: (reason) => metrics.rejects.inc({ topology, operator: `sink:${sink}`, reason }),
  };
}

export function operatorMetrics(registry: Registry, topology: string, operator: string, hold?: (inc: (labels: Record<string, string>, value: number) => void, labels: Record<string, string>, value: number) => boolean): OperatorMetrics {
  const fixed = { topology, operator };
  const find = (name: string): unknown => registry.getSingleMetric(name);
  return {
    counter(spec) {
      const counter = (find(spec.name) as Counter<string> | undefined) ?? new Counter({ name: spec.name, help: spec.help, labelNames: ['topology', 'operator', ...spec.labelNames], registers: [registry] });
      const inc = (labels: Record<string, string>, value: number): void => counter.inc({ ...fixed, ...labels }, value);
      return { inc: (labels, value = 1) => (hold?.(inc, labels, value) ?? false) || inc(labels, value) };
    },
    gauge(spec) {
      const gauge = (find(spec.name) as Gauge<string> | undefined) ?? new Gauge({ name: spec.name, help: spec.help, labelNames: ['topology', 'operator', ...spec.labelNames], registers: [registry] });
      return { set: (labels, value) => gauge.set({ ...fixed, ...labels }, value) };
    },
    histogram(spec) {
      const histogram =
        (find(spec.name) as Histogram<string> | undefined) ??
        new Histogram({ name: spec.name, help: spec.help, labelNames: ['topology', 'operator', ...spec.labelNames], buckets: [...(spec.buckets ?? latencyBuckets)], registers: [registry] });
      return { observe: (labels, value) => histogram.observe({ ...fixed, ...labels }, value) };
    },
  };
}
