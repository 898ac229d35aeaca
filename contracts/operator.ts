import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Envelope } from './envelope.js';
import type { Logger } from './logger.js';
import type { Rejection } from './rejection.js';
import type { StateCodec } from './state-codec.js';

/**
 * Keyed state of one operator instance on one input partition, its values encoded by the operator's codec.
 * Reads see this batch's own writes first; writes become durable only when the batch commits.
 */
export interface KeyedState {
  get<V>(key: string): Promise<V | undefined>;
  /** `ttlMs`: the key expires that long after now (the operator's clock); an expired key reads as absent. */
  put<V>(key: string, value: V, options?: { ttlMs?: number }): void;
  delete(key: string): void;
  /** A bitset of this operator (a Bloom filter's bits), by name; created empty on first use. */
  bits(name: string): Bitset;
}

/**
 * Bits of one bitset: set bits stay set; a batch's own sets are visible to its later tests. Offsets are integers from
 * 0 to 2^32 − 1 (`maxBitsetBits`, what one Redis string holds); others are a RangeError.
 */
export interface Bitset {
  /** Whether each offset's bit is set, in order. */
  test(offsets: readonly number[]): Promise<boolean[]>;
  set(offsets: readonly number[]): void;
}

/**
 * Metrics an operator declares for itself, with `topology` and `operator` labels filled in. Counter increments made
 * while a batch runs count when the batch commits, once, however often it was retried; gauges and histograms are
 * measurements and record at once.
 */
export interface OperatorMetrics {
  counter<L extends string>(spec: { name: string; help: string; labelNames: readonly L[] }): { inc(labels: Record<L, string>, value?: number): void };
  gauge<L extends string>(spec: { name: string; help: string; labelNames: readonly L[] }): { set(labels: Record<L, string>, value: number): void };
  histogram<L extends string>(spec: { name: string; help: string; labelNames: readonly L[]; buckets?: readonly number[] }): { observe(labels: Record<L, string>, value: number): void };
}
/** Timers of one operator instance, per key; they are state (exactly-once) and fire in time order. */
export interface Timers {
  /** Fires once the watermark passes `time` (event time, ms). Setting the same key and time twice sets one timer. */
  atEventTime(key: string, time: number): void;
  /** Fires once the clock passes `time` (epoch ms), also on a partition that receives nothing. */
  atProcessingTime(key: string, time: number): void;
  cancelEventTime(key: string, time: number): void;
  cancelProcessingTime(key: string, time: number): void;
}

/** A timer that fired: which, and the watermark that fired it. */
export interface FiredTimer {
  readonly kind: 'event-time' | 'processing-time';
  readonly key: string;
  readonly time: number;
  readonly watermark: number;
}

/**
 * What an operator does when one of its timers fires, within a batch: it may read and write state, emit to outputs,
 * set timers, and return records, which go to the steps after it.
 */
export type TimerHandler = (timer: FiredTimer) => Envelope<unknown>[] | Promise<Envelope<unknown>[]>;

/** What an operator's `setup` gets: once per worker, before any partition runs. */
export interface SetupContext {
  readonly topology: string;
  /** The step's id in the pipeline, e.g. `diarize` or `validate-2` when a name repeats. */
  readonly operator: string;
  /** Folder of the topology file: relative paths in configs resolve from here. */
  readonly baseDir: string;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
}

/** What the engine gives an operator instance: its only way to reach state, time, side outputs and metrics. */
export interface OperatorContext<Resources = undefined> {
  readonly topology: string;
  /** The instance's id in the pipeline, e.g. `count-by-key` or `validate-2` when a name repeats. */
  readonly operator: string;
  readonly partition: number;
  /** Folder of the topology file: relative paths in configs resolve from here. */
  readonly baseDir: string;
  readonly state: KeyedState;
  /** Sends an envelope to a named output of the topology (e.g. `rejected`, `alerts`), committed with the batch. */
  emit(output: string, envelope: Envelope<unknown>): void;
  /**
   * The partition's watermark at the end of the batch in progress: event time (ms) before which no more records are
   * expected. Each record carries the watermark it saw itself (`envelope.watermark`), from the records before it.
   */
  watermark(): number;
  readonly timers: Timers;
  /** Sets what happens when this instance's timers fire (one handler per instance). */
  onTimer(handler: TimerHandler): void;
  /** Wall-clock time, injectable for tests. */
  now(): number;
  /**
   * Sends a record to `rejected` with the reason, committed with the batch, and the batch goes on: how an operator
   * says which record failed, so the others are not processed again.
   */
  reject(envelope: Envelope<unknown>, rejection: Rejection): void;
  /** What the operator's `setup` returned, shared by the worker's partitions. */
  readonly resources: Resources;
  /** Runs when this instance is released: its partition revoked, or the worker shutting down. */
  onDispose(release: () => void | Promise<void>): void;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
}

/** A topology operator: declared once, its config schema types the config, validates the file and documents it. */
export interface OperatorDefinition<Config = unknown, In = unknown, Out = unknown, Resources = undefined> {
  /** Kebab-case; the file name, registered name and topology key. */
  readonly name: string;
  readonly summary: string;
  /** A zod schema, `.strict()`: unknown keys in the topology are errors. */
  readonly config: z.ZodType<Config, unknown>;
  /** Side outputs this operator may emit to; the topology must route each one. */
  readonly outputs?: readonly string[];
  /** Keeps keyed state: the engine creates its changelog topic and restores it on assignment. */
  readonly stateful?: boolean;
  /** How its state values are stored; JSON when absent. */
  readonly stateCodec?: StateCodec<unknown>;
  /** Short topology snippets for the docs. */
  readonly examples?: readonly string[];
  /**
   * Once per worker, before its partitions start: loads what the partitions share (a model session, a driver). An
   * error fails the worker's start, naming the step.
   */
  setup?(config: Config, ctx: SetupContext): Promise<Resources>;
  /** Once per worker, at shutdown, after every partition was released. */
  teardown?(resources: Resources): Promise<void>;
  /** Once per input partition: the RxJS operator that processes its batches. */
  create(config: Config, ctx: OperatorContext<Resources>): OperatorFunction<Envelope<In>, Envelope<Out>>;
}

const kebabCase = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Declares an operator; checks the name so a bad one fails at start-up, not in a topology. */
export function defineOperator<Config, In, Out, Resources = undefined>(definition: OperatorDefinition<Config, In, Out, Resources>): OperatorDefinition<Config, In, Out, Resources> {
  if (!kebabCase.test(definition.name)) throw new TypeError(`operator name '${definition.name}' is not kebab-case`);
  return definition;
}

/** Any operator, as the registry and the compiler see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperatorDefinition = OperatorDefinition<any, any, any, any>;
