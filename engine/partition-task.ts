import { from, lastValueFrom, toArray, catchError, throwError, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { OperatorContext } from '../contracts/operator.js';
import { operatorMetrics } from './metrics.js';
import type { EngineMetrics } from './metrics.js';
import { BatchOverlay, keyedState } from '../state/batch-overlay.js';
import { jsonCodec } from '../state/state-codecs.js';
import type { PartitionScope, StateMutation, StateStore } from '../state/state-store.js';
import type { Envelope } from '../contracts/envelope.js';
import { errorMessage, OperatorError, WeirError } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import { decodeRecord, type SourceRecord } from './record-decoder.js';
import { rejectedEnvelope, rejectionHeaders } from '../contracts/rejection.js';
import { retry } from '../contracts/retry.js';
import type { PipelineStep, Topology } from './topology-loader.js';

type AnyEnvelope = Envelope<unknown>;

/** What a batch produced: records per output name (`default` is the pipeline's end) and its state changes. */
export interface BatchResult {
  readonly outputs: Map<string, AnyEnvelope[]>;
  readonly mutations: StateMutation[];
}

export interface PartitionTaskOptions {
  readonly topology: Topology;
  readonly partition: number;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface RunScope {
  overlay: BatchOverlay;
  outputs: Map<string, AnyEnvelope[]>;
}

/**
 * The pipeline of one input partition. Operator instances are created once and applied to each batch,
 * a finite observable; state and side outputs go to the batch in progress and count only once it commits.
 * Failures: errors marked retriable (state store, network) are retried with the topology's policy and then
 * surface to the runtime; any other error isolates the batch record by record, and the failing records go
 * to `rejected` with the error while the rest of the batch goes on.
 */
export class PartitionTask {
  readonly scope: PartitionScope;
  private readonly steps: readonly { id: string; apply: OperatorFunction<AnyEnvelope, AnyEnvelope> }[];
  private readonly counts: { in: number; out: number }[];
  private current: RunScope | undefined;
  private maxEventTime = Number.NEGATIVE_INFINITY;
  private batchStartedAt = 0;

  constructor(private readonly options: PartitionTaskOptions) {
    this.scope = { topology: options.topology.name, partition: options.partition };
    this.counts = options.topology.pipeline.map(() => ({ in: 0, out: 0 }));
    this.steps = options.topology.pipeline.map((step, index) => ({ id: step.id, apply: this.instantiate(step, index) }));
  }

  /** Decodes source records, runs the decodable ones, and routes the others to `rejected`. */
  async processRecords(records: readonly SourceRecord[]): Promise<BatchResult> {
    const envelopes: AnyEnvelope[] = [];
    const undecodable: AnyEnvelope[] = [];
    for (const record of records) {
      const decoded = decodeRecord(record, this.options.topology.source);
      if (decoded.ok) envelopes.push(decoded.envelope);
      else undecodable.push(decoded.rejected);
    }
    if (undecodable.length > 0) this.options.metrics.rejects.inc({ topology: this.scope.topology, operator: '', reason: 'undecodable' }, undecodable.length);
    const result = envelopes.length === 0 ? { outputs: new Map<string, AnyEnvelope[]>(), mutations: [] } : await this.process(envelopes);
    if (undecodable.length > 0) {
      appendTo(result.outputs, 'rejected', undecodable);
      // Dead letters in input order, undecodable ones among the others.
      result.outputs.get('rejected')?.sort((a, b) => compareOffsets(a.origin.offset, b.origin.offset));
    }
    return result;
  }

  async process(batch: readonly AnyEnvelope[]): Promise<BatchResult> {
    for (const envelope of batch) if (envelope.timestamp > this.maxEventTime) this.maxEventTime = envelope.timestamp;
    const { topology, store, logger } = this.options;
    try {
      return await retry(() => this.runBatch(batch, new BatchOverlay(store, this.scope)), topology.retry, {
        shouldRetry: isInfrastructureError,
        onRetry: (error, attempt, delayMs) => logger.warn('batch failed, retrying', { error, attempt, delayMs, partition: this.scope.partition }),
      });
    } catch (error) {
      if (isInfrastructureError(error)) throw error;
      logger.warn('batch failed, isolating records', { error, partition: this.scope.partition, records: batch.length });
      return this.isolate(batch);
    }
  }

  private async runBatch(batch: readonly AnyEnvelope[], overlay: BatchOverlay): Promise<BatchResult> {
    this.resetCounts();
    const outputs = new Map<string, AnyEnvelope[]>();
    const results = await this.run(batch, { overlay, outputs });
    appendTo(outputs, 'default', results);
    this.flushCounts();
    return { outputs, mutations: overlay.mutations() };
  }

  /** Runs each record alone on a fork of the batch state; a record that fails leaves no trace but its rejection. */
  private async isolate(batch: readonly AnyEnvelope[]): Promise<BatchResult> {
    this.resetCounts();
    const root = new BatchOverlay(this.options.store, this.scope);
    const outputs = new Map<string, AnyEnvelope[]>();
    for (const envelope of batch) {
      const scope: RunScope = { overlay: root.fork(), outputs: new Map() };
      try {
        const results = await this.run([envelope], scope);
        scope.overlay.mergeIntoParent();
        for (const [name, records] of scope.outputs) appendTo(outputs, name, records);
        appendTo(outputs, 'default', results);
      } catch (error) {
        if (isInfrastructureError(error)) throw error;
        const operator = error instanceof WeirError ? error.context.operator : undefined;
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        this.options.metrics.rejects.inc({ topology: this.scope.topology, operator: operator ?? '', reason: 'operator-error' });
        appendTo(outputs, 'rejected', [rejectedEnvelope(envelope, { reason: 'operator-error', error: errorMessage(cause), ...(operator === undefined ? {} : { operator }) })]);
      }
    }
    this.flushCounts();
    return { outputs, mutations: root.mutations() };
  }

  private async run(batch: readonly AnyEnvelope[], scope: RunScope): Promise<AnyEnvelope[]> {
    this.current = scope;
    this.batchStartedAt = performance.now();
    try {
      let stream: Observable<AnyEnvelope> = from(batch);
      for (const step of this.steps) stream = step.apply(stream);
      return await lastValueFrom(stream.pipe(toArray()));
    } finally {
      this.current = undefined;
    }
  }

  private instantiate(step: PipelineStep, index: number): OperatorFunction<AnyEnvelope, AnyEnvelope> {
    const operator = step.definition.create(step.config, this.contextFor(step)) as OperatorFunction<AnyEnvelope, AnyEnvelope>;
    const counts = this.counts[index] as { in: number; out: number };
    const countIn = tap<AnyEnvelope>(() => counts.in++);
    const latency = this.options.metrics.operatorLatency.labels({ topology: this.scope.topology, operator: step.id });
    const countOut = tap<AnyEnvelope>({ next: () => counts.out++, complete: () => latency.observe((performance.now() - this.batchStartedAt) / 1000) });
    return (source) =>
      operator(source.pipe(countIn)).pipe(
        countOut,
        catchError((error: unknown) =>
          throwError(() => (error instanceof WeirError ? error : new OperatorError(`operator '${step.id}' failed: ${errorMessage(error)}`, { cause: error, context: { topology: this.scope.topology, operator: step.id, partition: this.scope.partition } }))),
        ),
      );
  }

  private contextFor(step: PipelineStep): OperatorContext {
    const { topology, metrics, logger } = this.options;
    const scopeNow = (): RunScope => {
      if (this.current === undefined) throw new TypeError(`operator '${step.id}' used its context outside a batch`);
      return this.current;
    };
    return {
      topology: topology.name,
      operator: step.id,
      partition: this.scope.partition,
      baseDir: topology.baseDir,
      state: keyedState(() => scopeNow().overlay, step.id, step.definition.stateCodec ?? jsonCodec, this.options.now ?? Date.now),
      emit: (output, envelope) => {
        if (!(output in topology.outputs)) throw new TypeError(`operator '${step.id}' emitted to output '${output}', which the topology does not define`);
        metrics.recordsOut.inc({ topology: topology.name, operator: step.id, output });
        if (output === 'rejected') metrics.rejects.inc({ topology: topology.name, operator: step.id, reason: envelope.headers[rejectionHeaders.reason] ?? 'unspecified' });
        appendTo(scopeNow().outputs, output, [envelope]);
      },
      watermark: () => this.maxEventTime,
      now: this.options.now ?? Date.now,
      // Placeholders until the operator lifecycle lands on this branch (reject, setup resources, dispose): they fail
      // loudly rather than pretend. To be replaced by the engine's implementation.
      reject: () => {
        throw new TypeError('ctx.reject is not implemented on this branch');
      },
      get resources(): undefined {
        throw new TypeError('ctx.resources is not implemented on this branch');
      },
      onDispose: () => {
        throw new TypeError('ctx.onDispose is not implemented on this branch');
      },
      metrics: operatorMetrics(metrics.registry, topology.name, step.id),
      logger: logger.child({ operator: step.id, partition: this.scope.partition }),
    };
  }

  private flushCounts(): void {
    const { metrics, topology } = this.options;
    for (const [index, step] of this.steps.entries()) {
      const counts = this.counts[index] as { in: number; out: number };
      if (counts.in > 0) metrics.recordsIn.inc({ topology: topology.name, operator: step.id }, counts.in);
      if (counts.out > 0) metrics.recordsOut.inc({ topology: topology.name, operator: step.id, output: 'default' }, counts.out);
    }
    this.resetCounts();
  }

  private resetCounts(): void {
    for (const counts of this.counts) {
      counts.in = 0;
      counts.out = 0;
    }
  }
}

function isInfrastructureError(error: unknown): boolean {
  return error instanceof WeirError && error.retriable;
}

/** Orders decimal offsets of one partition without parsing them. */
function compareOffsets(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function appendTo(outputs: Map<string, AnyEnvelope[]>, name: string, records: readonly AnyEnvelope[]): void {
  if (records.length === 0) return;
  const list = outputs.get(name);
  if (list === undefined) outputs.set(name, [...records]);
  else for (const record of records) list.push(record);
}
