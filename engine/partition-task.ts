import { from, lastValueFrom, toArray, catchError, throwError, tap, type Observable, type OperatorFunction } from 'rxjs';
import type { Envelope } from '../contracts/envelope.js';
import { errorMessage, OperatorError, WeirError } from '../contracts/errors.js';
import type { Logger } from '../contracts/logger.js';
import type { OperatorContext, TimerHandler } from '../contracts/operator.js';
import { rejectedEnvelope, rejectionHeaders, type Rejection } from '../contracts/rejection.js';
import { retry } from '../contracts/retry.js';
import type { SourceRecord } from '../contracts/source-record.js';
import { engineKeyPrefix, type PartitionScope, type StateMutation } from '../contracts/state.js';
import type { PipelineStep, Topology } from '../contracts/topology.js';
import { keyAt } from '../operators/key-by.js';
import { BatchOverlay, keyedState } from '../state/batch-overlay.js';
import { jsonCodec } from '../state/state-codecs.js';
import type { StateStore } from '../state/state-store.js';
import { BatchTally } from './batch-tally.js';
import { operatorMetrics, type EngineMetrics } from './metrics.js';
import { decodeRecord } from './record-decoder.js';
import { readRepartitionRecord, repartitionRecord, watermarkRecords, type RepartitionRecord } from './repartition.js';
import type { Subtopology } from './subtopology.js';
import { StagedTimers, TimerIndex, timerStateKey, type Timer } from './timer-service.js';
import { UpstreamWatermarks } from './upstream-watermarks.js';
import { WatermarkTracker } from './watermark-tracker.js';

type AnyEnvelope = Envelope<unknown>;

/** State keys the engine keeps in every stateful step, beside the operator's own (a prefix no operator key has). */
const watermarkKey = `${engineKeyPrefix}watermark`;
const upstreamWatermarksKey = `${engineKeyPrefix}upstream-watermarks`;
/** How far an idle partition's watermark moves before it tells a key-by's downstream tasks (event time, ms). */
const idleBroadcastMs = 1_000;
/** A timer handler may set timers that are due at once; rounds of firing stop after this many. */
const maxTimerRounds = 16;

/** What a batch produced, and what the task takes on once the batch has committed. */
export interface BatchResult {
  /** Records per output name (`default` is the pipeline's end), for the topology's outputs. */
  readonly outputs: Map<string, AnyEnvelope[]>;
  /** Records for the next sub-topology's repartition topic (data, then watermarks). */
  readonly repartition: RepartitionRecord[];
  readonly mutations: StateMutation[];
  /** Counts to add to the metrics once the batch has committed. */
  readonly tally: BatchTally;
  /** The task's watermark at the end of the batch, to store with the checkpoint. */
  readonly watermark: number;
  /** For `committed`: what the task applies to itself. */
  readonly pending: PendingCommit;
}

interface PendingCommit {
  readonly eventTimes: readonly number[];
  readonly timers: StagedTimers;
  readonly upstream: UpstreamWatermarks | undefined;
  readonly now: number;
}

export interface PartitionTaskOptions {
  readonly topology: Topology;
  readonly partition: number;
  readonly store: StateStore;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  /** What each step's `setup` returned in this worker, by step id. */
  readonly resources: ReadonlyMap<string, unknown>;
  /** The part of the topology this task runs; the whole pipeline when it has no key-by. */
  readonly subtopology: Subtopology;
  /** Partitions of the topology's input: the upstream partitions of a task that reads a repartition topic. */
  readonly upstreamPartitions: number;
  /** Partitions of the repartition topic the sub-topology writes to, when it ends in a key-by. */
  readonly repartitionPartitions?: number;
  readonly now?: () => number;
}

interface RunScope {
  overlay: BatchOverlay;
  outputs: Map<string, AnyEnvelope[]>;
  tally: BatchTally;
  timers: StagedTimers;
  /** The watermark timer handlers see. */
  watermark: number;
}

interface StepRuntime {
  readonly step: PipelineStep;
  readonly index: number;
  readonly apply: OperatorFunction<AnyEnvelope, AnyEnvelope>;
  onTimer: TimerHandler | undefined;
  timers: TimerIndex | undefined;
}

/**
 * The pipeline of one input partition (of one sub-topology). Operator instances are created once and applied to each
 * batch, a finite observable; state, timers, side outputs and counts go to the batch in progress and count only once
 * it commits. Each record sees the watermark of the records before it; after the records, the timers the watermark or
 * the clock made due fire in time order, and what they emit goes through the steps after theirs. A batch with no
 * records (a tick) fires timers on an idle partition.
 *
 * Failures: errors marked retriable (state store, network) are retried with the topology's policy and then surface to
 * the runtime; any other error isolates the batch record by record, and the failing records go to `rejected` with the
 * error while the rest of the batch goes on. An operator that knows which record failed says so with `ctx.reject`, and
 * nothing is run twice.
 */
export class PartitionTask {
  readonly scope: PartitionScope;
  private readonly steps: readonly StepRuntime[];
  private readonly disposers: (() => void | Promise<void>)[] = [];
  private readonly now: () => number;
  private current: RunScope | undefined;
  private loaded: Promise<void> | undefined;
  private tracker: WatermarkTracker;
  private upstream: UpstreamWatermarks | undefined;
  private batchStartedAt = 0;

  constructor(private readonly options: PartitionTaskOptions) {
    const { topology, partition, subtopology } = options;
    this.scope = subtopology.id === undefined ? { topology: topology.name, partition } : { topology: topology.name, partition, task: subtopology.id };
    this.now = options.now ?? Date.now;
    const { maxOutOfOrdernessMs, idleTimeoutMs } = topology.source.eventTime;
    this.tracker = new WatermarkTracker({ maxOutOfOrdernessMs, idleTimeoutMs }, undefined, this.now());
    if (subtopology.source.repartition) this.upstream = new UpstreamWatermarks(options.upstreamPartitions);
    this.steps = subtopology.steps.map((step, index) => {
      const runtime: StepRuntime = { step, index, apply: (source) => source, onTimer: undefined, timers: undefined };
      (runtime as { apply: OperatorFunction<AnyEnvelope, AnyEnvelope> }).apply = this.instantiate(runtime);
      return runtime;
    });
  }

  /** The committed watermark: what the last committed batch reached. */
  get watermark(): number {
    return this.upstream?.value ?? this.tracker.value;
  }

  /** Decodes source records, runs the decodable ones, and routes the others to `rejected`, all in input order. */
  async processRecords(records: readonly SourceRecord[]): Promise<BatchResult> {
    await this.load();
    const envelopes: AnyEnvelope[] = [];
    const undecodable: AnyEnvelope[] = [];
    const upstream = this.upstream?.copy();
    if (upstream !== undefined) {
      for (const record of records) {
        const input = readRepartitionRecord(record);
        if (input.kind === 'watermark') upstream.observe(input.upstream, input.watermark);
        else envelopes.push({ ...input.envelope, watermark: upstream.value });
      }
    } else {
      for (const record of records) {
        const decoded = decodeRecord(record, this.options.topology.source);
        if (decoded.ok) envelopes.push(decoded.envelope);
        else undecodable.push(decoded.rejected);
      }
    }
    const now = this.now();
    const eventTimes = upstream === undefined ? envelopes.map((envelope) => envelope.timestamp) : [];
    let end: number;
    if (upstream === undefined) {
      const advanced = this.tracker.advance(eventTimes, now);
      for (let index = 0; index < envelopes.length; index++) envelopes[index] = { ...(envelopes[index] as AnyEnvelope), watermark: advanced.seen[index] as number };
      end = advanced.end;
    } else end = upstream.value;
    const result = await this.process(envelopes, { eventTimes, watermark: end, upstream, now });
    if (undecodable.length > 0) {
      result.tally.reject('', 'undecodable', undecodable.length);
      appendTo(result.outputs, 'rejected', undecodable);
      result.outputs.get('rejected')?.sort((a, b) => compareOffsets(a.origin.offset, b.origin.offset));
    }
    return result;
  }

  /**
   * A batch without records, for a partition that receives none: fires the timers the clock (or the watermark, when
   * idle advancement is on) made due. Undefined when nothing is due.
   */
  async tick(): Promise<BatchResult | undefined> {
    await this.load();
    const now = this.now();
    const watermark = this.upstream?.value ?? this.tracker.idleAdvanced(now);
    const due = this.steps.some((runtime) => runtime.timers !== undefined && runtime.timers.due(new StagedTimers(), watermark, now).length > 0);
    // A key-by's downstream tasks wait for every upstream partition's watermark: an idle one sends its own now and then.
    const broadcast = this.options.subtopology.next !== undefined && watermark >= this.watermark + idleBroadcastMs;
    if (!due && !broadcast) return undefined;
    return this.process([], { eventTimes: [], watermark, upstream: this.upstream?.copy(), now });
  }

  /** Takes on a committed batch: its watermark, its timers. Call once the state and checkpoint are applied. */
  committed(result: BatchResult): void {
    const { eventTimes, timers, upstream, now } = result.pending;
    if (upstream !== undefined) this.upstream = upstream;
    else this.tracker.commit(result.watermark, eventTimes, now);
    for (const runtime of this.steps) runtime.timers?.apply(timers);
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

  /** Reads once what the task keeps between batches: its watermark and its steps' timers. */
  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const { store, topology } = this.options;
      const checkpoint = await store.readCheckpoint(this.scope);
      let watermark = checkpoint?.watermark;
      let upstream: Record<string, number> | undefined;
      for (const { step } of this.steps) {
        if (step.definition.stateful !== true) continue;
        const stored = await store.get(this.scope, step.id, watermarkKey);
        if (stored !== undefined) watermark = Math.max(watermark ?? Number.NEGATIVE_INFINITY, jsonCodec.decode(stored) as number);
        const storedUpstream = this.upstream === undefined ? undefined : await store.get(this.scope, step.id, upstreamWatermarksKey);
        if (storedUpstream !== undefined) upstream = jsonCodec.decode(storedUpstream) as Record<string, number>;
      }
      const { maxOutOfOrdernessMs, idleTimeoutMs } = topology.source.eventTime;
      this.tracker = new WatermarkTracker({ maxOutOfOrdernessMs, idleTimeoutMs }, watermark, this.now());
      if (this.upstream !== undefined) this.upstream = new UpstreamWatermarks(this.options.upstreamPartitions, upstream ?? {});
      for (const runtime of this.steps) {
        if (runtime.onTimer !== undefined) runtime.timers = new TimerIndex((await store.entries(this.scope, runtime.step.id)).keys());
      }
    })();
    return this.loaded;
  }

  private async process(batch: readonly AnyEnvelope[], time: Omit<PendingCommit, 'timers'> & { watermark: number }): Promise<BatchResult> {
    const { topology, logger } = this.options;
    try {
      return await retry(() => this.runBatch(batch, time, false), topology.retry, {
        shouldRetry: isInfrastructureError,
        onRetry: (error, attempt, delayMs) => logger.warn('batch failed, retrying', { error, attempt, delayMs, partition: this.scope.partition }),
      });
    } catch (error) {
      if (isInfrastructureError(error) || batch.length === 0) throw error;
      logger.warn('batch failed, isolating records', { error, partition: this.scope.partition, records: batch.length });
      return this.runBatch(batch, time, true);
    }
  }

  private async runBatch(batch: readonly AnyEnvelope[], time: Omit<PendingCommit, 'timers'> & { watermark: number }, isolated: boolean): Promise<BatchResult> {
    const root: RunScope = { overlay: new BatchOverlay(this.options.store, this.scope), outputs: new Map(), tally: new BatchTally(), timers: new StagedTimers(), watermark: time.watermark };
    if (isolated) await this.isolate(batch, root);
    else appendTo(root.outputs, 'default', await this.run(batch, root, 0));
    await this.fireTimers(root, time.now);
    if (time.watermark > this.watermark) this.saveWatermark(root, time.watermark, time.upstream);
    const repartition = this.repartition(root, time.watermark);
    return {
      outputs: root.outputs,
      repartition,
      mutations: root.overlay.mutations(),
      tally: root.tally,
      watermark: Math.max(time.watermark, this.watermark),
      pending: { eventTimes: time.eventTimes, timers: root.timers, upstream: time.upstream, now: time.now },
    };
  }

  /** Runs each record alone on a fork of the batch state; a record that fails leaves no trace but its rejection. */
  private async isolate(batch: readonly AnyEnvelope[], root: RunScope): Promise<void> {
    for (const envelope of batch) {
      const scope: RunScope = { overlay: root.overlay.fork(), outputs: new Map(), tally: new BatchTally(), timers: root.timers.fork(), watermark: root.watermark };
      try {
        const results = await this.run([envelope], scope, 0);
        scope.overlay.mergeIntoParent();
        scope.timers.mergeIntoParent();
        for (const [name, records] of scope.outputs) appendTo(root.outputs, name, records);
        appendTo(root.outputs, 'default', results);
        root.tally.merge(scope.tally);
      } catch (error) {
        if (isInfrastructureError(error)) throw error;
        const operator = error instanceof WeirError ? error.context.operator : undefined;
        const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
        root.tally.reject(operator ?? '', 'operator-error');
        appendTo(root.outputs, 'rejected', [rejectedEnvelope(envelope, { reason: 'operator-error', error: errorMessage(cause), ...(operator === undefined ? {} : { operator }) })]);
      }
    }
  }

  /** Fires due timers, step by step in time order; what a handler returns goes through the steps after its own. */
  private async fireTimers(scope: RunScope, now: number): Promise<void> {
    for (let round = 0; round < maxTimerRounds; round++) {
      let fired = false;
      for (const runtime of this.steps) {
        const { onTimer, timers } = runtime;
        if (onTimer === undefined || timers === undefined) continue;
        const due = timers.due(scope.timers, scope.watermark, now);
        if (due.length === 0) continue;
        fired = true;
        const emitted: AnyEnvelope[] = [];
        this.current = scope;
        try {
          for (const timer of due) {
            scope.timers.remove(timer);
            scope.overlay.delete(runtime.step.id, timerStateKey(timer));
            emitted.push(...(await onTimer({ ...timer, watermark: scope.watermark })));
          }
        } catch (error) {
          throw error instanceof WeirError ? error : new OperatorError(`timer of operator '${runtime.step.id}' failed: ${errorMessage(error)}`, { cause: error, retriable: true, context: { topology: this.scope.topology, operator: runtime.step.id, partition: this.scope.partition } });
        } finally {
          this.current = undefined;
        }
        for (const _ of emitted) scope.tally.recordOut(runtime.step.id, 'default');
        appendTo(scope.outputs, 'default', await this.run(emitted, scope, runtime.index + 1));
      }
      if (!fired) return;
    }
    this.options.logger.warn('timers kept firing timers that were due at once; the rest fire in the next batch', { partition: this.scope.partition, rounds: maxTimerRounds });
  }

  /** The watermark (and a repartition reader's view of its upstream) in every stateful step: restored with its state. */
  private saveWatermark(scope: RunScope, watermark: number, upstream: UpstreamWatermarks | undefined): void {
    for (const { step } of this.steps) {
      if (step.definition.stateful !== true) continue;
      scope.overlay.put(step.id, watermarkKey, watermark, jsonCodec, undefined);
      if (upstream !== undefined) scope.overlay.put(step.id, upstreamWatermarksKey, upstream.snapshot(), jsonCodec, undefined);
    }
  }

  /** A sub-topology that ends in a key-by: its records re-keyed for the repartition topic, then its watermark. */
  private repartition(scope: RunScope, watermark: number): RepartitionRecord[] {
    const next = this.options.subtopology.next;
    if (next === undefined) return [];
    const records: RepartitionRecord[] = [];
    for (const envelope of scope.outputs.get('default') ?? []) {
      const key = keyAt(envelope.value, next.field);
      if (key === undefined) {
        scope.tally.reject(next.keyBy.id, 'missing-key');
        appendTo(scope.outputs, 'rejected', [rejectedEnvelope(envelope, { reason: 'missing-key', field: next.field, error: `field '${next.field}' is missing or null: key-by cannot key the record`, operator: next.keyBy.id })]);
      } else {
        scope.tally.recordOut(next.keyBy.id, 'repartition');
        records.push(repartitionRecord(envelope, key));
      }
    }
    scope.outputs.delete('default');
    if (watermark > this.watermark) records.push(...watermarkRecords(this.options.partition, watermark, this.options.repartitionPartitions ?? 1));
    return records;
  }

  /** Runs envelopes through the steps from `fromStep` on. */
  private async run(batch: readonly AnyEnvelope[], scope: RunScope, fromStep: number): Promise<AnyEnvelope[]> {
    if (batch.length === 0 || fromStep >= this.steps.length) return [...batch];
    this.current = scope;
    this.batchStartedAt = performance.now();
    try {
      let stream: Observable<AnyEnvelope> = from(batch);
      for (const runtime of this.steps.slice(fromStep)) stream = runtime.apply(stream);
      return await lastValueFrom(stream.pipe(toArray()));
    } finally {
      this.current = undefined;
    }
  }

  private scopeOf(step: PipelineStep): RunScope {
    if (this.current === undefined) throw new TypeError(`operator '${step.id}' used its context outside a batch`);
    return this.current;
  }

  private instantiate(runtime: StepRuntime): OperatorFunction<AnyEnvelope, AnyEnvelope> {
    const { step } = runtime;
    const operator = step.definition.create(step.config, this.contextFor(runtime)) as OperatorFunction<AnyEnvelope, AnyEnvelope>;
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

  private contextFor(runtime: StepRuntime): OperatorContext<unknown> {
    const { step } = runtime;
    const { topology, metrics, logger } = this.options;
    const now = this.now;
    const codec = step.definition.stateCodec ?? jsonCodec;
    const emit = (output: string, envelope: AnyEnvelope): void => {
      if (!(output in topology.outputs)) throw new TypeError(`operator '${step.id}' emitted to output '${output}', which the topology does not define`);
      const scope = this.scopeOf(step);
      scope.tally.recordOut(step.id, output);
      if (output === 'rejected') scope.tally.reject(step.id, envelope.headers[rejectionHeaders.reason] ?? 'unspecified');
      appendTo(scope.outputs, output, [envelope]);
    };
    const setTimer = (kind: Timer['kind'], key: string, time: number, set: boolean): void => {
      if (runtime.onTimer === undefined) throw new TypeError(`operator '${step.id}' set a timer without a timer handler (ctx.onTimer)`);
      if (!Number.isFinite(time)) throw new RangeError(`operator '${step.id}' set a ${kind} timer at ${time}`);
      const scope = this.scopeOf(step);
      const timer: Timer = { kind, time, key };
      if (set) {
        scope.timers.add(timer);
        scope.overlay.put(step.id, timerStateKey(timer), true, jsonCodec, undefined);
      } else {
        scope.timers.remove(timer);
        scope.overlay.delete(step.id, timerStateKey(timer));
      }
    };
    return {
      topology: topology.name,
      operator: step.id,
      partition: this.scope.partition,
      baseDir: topology.baseDir,
      state: keyedState(() => this.scopeOf(step).overlay, step.id, codec, now),
      emit,
      reject: (envelope: AnyEnvelope, rejection: Rejection) => emit('rejected', rejectedEnvelope(envelope, { operator: step.id, ...rejection })),
      watermark: () => this.current?.watermark ?? this.watermark,
      now,
      timers: {
        atEventTime: (key, time) => setTimer('event-time', key, time, true),
        atProcessingTime: (key, time) => setTimer('processing-time', key, time, true),
        cancelEventTime: (key, time) => setTimer('event-time', key, time, false),
        cancelProcessingTime: (key, time) => setTimer('processing-time', key, time, false),
      },
      onTimer: (handler) => {
        if (step.definition.stateful !== true) throw new TypeError(`operator '${step.id}' uses timers, which are state: declare it stateful`);
        runtime.onTimer = handler;
      },
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
