import { from, lastValueFrom, toArray, catchError, throwError, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { Envelope } from '../contracts/envelope.js';
import { errorMessage, OperatorError, WeirError } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import type { OperatorContext } from '../contracts/operator.js';
import { rejectedEnvelope, rejectionHeaders, type Rejection } from '../contracts/rejection.js';
import { retry } from '../contracts/retry.js';
import type { SourceRecord } from '../contracts/source-record.js';
import type { PartitionScope, StateMutation } from '../contracts/state.js';
import type { PipelineStep, Topology } from '../contracts/topology.js';
import { BatchOverlay, keyedState } from '../state/batch-overlay.js';
import { jsonCodec } from '../state/state-codecs.js';
import type { StateStore } from '../state/state-store.js';
import { BatchTally } from './batch-tally.js';
import { operatorMetrics, type EngineMetrics } from './metrics.js';
import { decodeRecord } from './record-decoder.js';

type AnyEnvelope = Envelope<unknown>;

/** What a batch produced: records per output name (`default` is the pipeline's end), its state changes, and its counts. */
export interface BatchResult {
  readonly outputs: Map<string, AnyEnvelope[]>;
  readonly mutations: StateMutation[];
  /** Counts to add to the metrics once the batch has committed. */
  readonly tally: BatchTally;
}

export interface PartitionTaskOptions {
  readonly topology: Topology;
  readonly partition: number;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  /** What each step's `setup` returned in this worker, by step id. */
  readonly resources: ReadonlyMap<string, unknown>;
  readonly now?: () => number;
}

interface RunScope {
  overlay: BatchOverlay;
  outputs: Map<string, AnyEnvelope[]>;
  tally: BatchTally;
}

/**
 * The pipeline of one input partition. Operator instances are created once and applied to each batch, a finite
 * observable; state, side outputs and counts go to the batch in progress and count only once it commits.
 * Failures: errors marked retriable (state store, network) are retried with the topology's policy and then surface to
 * the runtime; any other error isolates the batch record by record, and the failing records go to `rejected` with the
 * error while the rest of the batch goes on. An operator that knows which record failed says so with `ctx.reject`, and
 * nothing is run twice.
 */
export class PartitionTask {
  readonly scope: PartitionScope;
  private readonly steps: readonly { id: string; apply: OperatorFunction<AnyEnvelope, AnyEnvelope> }[];
  private readonly disposers: (() => void | Promise<void>)[] = [];
  private current: RunScope | undefined;
  private maxEventTime = Number.NEGATIVE_INFINITY;
  private batchStartedAt = 0;

  constructor(private readonly options: PartitionTaskOptions) {
    this.scope = { topology: options.topology.name, partition: options.partition };
    this.steps = options.topology.pipeline.map((step) => ({ id: step.id, apply: this.instantiate(step) }));
  }

  /** Decodes source records, runs the decodable ones, and routes the others to `rejected`, all in input order. */
  async processRecords(records: readonly SourceRecord[]): Promise<BatchResult> {
    const envelopes: AnyEnvelope[] = [];
    const undecodable: AnyEnvelope[] = [];
    for (const record of records) {
      const decoded = decodeRecord(record, this.options.topology.source);
      if (decoded.ok) envelopes.push(decoded.envelope);
      else undecodable.push(decoded.rejected);
    }
    const result = envelopes.length === 0 ? { outputs: new Map<string, AnyEnvelope[]>(), mutations: [], tally: new BatchTally() } : await this.process(envelopes);
    if (undecodable.length > 0) {
      result.tally.reject('', 'undecodable', undecodable.length);
      appendTo(result.outputs, 'rejected', undecodable);
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

  /** Releases the operator instances: the partition was revoked or the worker stops. */
  async dispose(): Promise<void> {
    for (const release of this.disposers.splice(0)) {
      try {
        await release();
      } catch (error) {
        this.options.logger.warn('an operator failed to release its partition', { error, partition: this.scope.partition });
      }
    }
  }

  private async runBatch(batch: readonly AnyEnvelope[], overlay: BatchOverlay): Promise<BatchResult> {
    const scope: RunScope = { overlay, outputs: new Map(), tally: new BatchTally() };
    const results = await this.run(batch, scope);
    appendTo(scope.outputs, 'default', results);
    return { outputs: scope.outputs, mutations: overlay.mutations(), tally: scope.tally };
  }

  /** Runs each record alone on a fork of the batch state; a record that fails leaves no trace but its rejection. */
  private async isolate(batch: readonly AnyEnvelope[]): Promise<BatchResult> {
    const root = new BatchOverlay(this.options.store, this.scope);
    const outputs = new Map<string, AnyEnvelope[]>();
    const tally = new BatchTally();
    for (const envelope of batch) {
      const scope: RunScope = { overlay: root.fork(), outputs: new Map(), tally: new BatchTally() };
      try {
        const results = await this.run([envelope], scope);
        scope.overlay.mergeIntoParent();
        for (const [name, records] of scope.outputs) appendTo(outputs, name, records);
        appendTo(outputs, 'default', results);
        tally.merge(scope.tally);
      } catch (error) {
        if (isInfrastructureError(error)) throw error;
        const operator = error instanceof WeirError ? error.context.operator : undefined;
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        tally.reject(operator ?? '', 'operator-error');
        appendTo(outputs, 'rejected', [rejectedEnvelope(envelope, { reason: 'operator-error', error: errorMessage(cause), ...(operator === undefined ? {} : { operator }) })]);
      }
    }
    return { outputs, mutations: root.mutations(), tally };
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

  private scopeOf(step: PipelineStep): RunScope {
    if (this.current === undefined) throw new TypeError(`operator '${step.id}' used its context outside a batch`);
    return this.current;
  }

  private instantiate(step: PipelineStep): OperatorFunction<AnyEnvelope, AnyEnvelope> {
    const operator = step.definition.create(step.config, this.contextFor(step)) as OperatorFunction<AnyEnvelope, AnyEnvelope>;
    const countIn = tap<AnyEnvelope>(() => this.scopeOf(step).tally.recordIn(step.id));
    const latency = this.options.metrics.operatorLatency.labels({ topology: this.scope.topology, operator: step.id });
    const countOut = tap<AnyEnvelope>({ next: () => this.scopeOf(step).tally.recordOut(step.id, 'default'), complete: () => latency.observe((performance.now() - this.batchStartedAt) / 1000) });
    return (source) =>
      operator(source.pipe(countIn)).pipe(
        countOut,
        catchError((error: unknown) =>
          throwError(() => (error instanceof WeirError ? error : new OperatorError(`operator '${step.id}' failed: ${errorMessage(error)}`, { cause: error, context: { topology: this.scope.topology, operator: step.id, partition: this.scope.partition } }))),
        ),
      );
  }

  private contextFor(step: PipelineStep): OperatorContext<unknown> {
    const { topology, metrics, logger } = this.options;
    const now = this.options.now ?? Date.now;
    const codec = step.definition.stateCodec ?? jsonCodec;
    const emit = (output: string, envelope: AnyEnvelope): void => {
      if (!(output in topology.outputs)) throw new TypeError(`operator '${step.id}' emitted to output '${output}', which the topology does not define`);
      const scope = this.scopeOf(step);
      scope.tally.recordOut(step.id, output);
      if (output === 'rejected') scope.tally.reject(step.id, envelope.headers[rejectionHeaders.reason] ?? 'unspecified');
      appendTo(scope.outputs, output, [envelope]);
    };
    return {
      topology: topology.name,
      operator: step.id,
      partition: this.scope.partition,
      baseDir: topology.baseDir,
      state: keyedState(() => this.scopeOf(step).overlay, step.id, codec, now),
      emit,
      reject: (envelope: AnyEnvelope, rejection: Rejection) => emit('rejected', rejectedEnvelope(envelope, { operator: step.id, ...rejection })),
      watermark: () => this.maxEventTime,
      now,
      resources: this.options.resources.get(step.id),
      onDispose: (release) => {
        this.disposers.push(release);
      },
      metrics: operatorMetrics(metrics.registry, topology.name, step.id, (inc, labels, value) => {
        if (this.current === undefined) return false;
        this.current.tally.increment(inc, labels, value);
        return true;
      }),
      logger: logger.child({ operator: step.id, partition: this.scope.partition }),
    };
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
