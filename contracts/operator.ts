import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { Envelope } from './envelope.js';
import type { Logger } from './logger.js';

/**
 * Keyed state of one operator instance on one input partition.
 * Reads see this batch's own writes first; writes become durable only when the batch commits.
 */
export interface KeyedState {
  get<V>(key: string): Promise<V | undefined>;
  put<V>(key: string, value: V): void;
  delete(key: string): void;
}

/** Metrics an operator declares for itself, with `topology` and `operator` labels filled in. */
export interface OperatorMetrics {
  counter<L extends string>(spec: { name: string; help: string; labelNames: readonly L[] }): { inc(labels: Record<L, string>, value?: number): void };
  gauge<L extends string>(spec: { name: string; help: string; labelNames: readonly L[] }): { set(labels: Record<L, string>, value: number): void };
}
/** What the engine gives an operator instance: its only way to reach state, time, side outputs and metrics. */
export interface OperatorContext {
  readonly topology: string;
  /** The instance's id in the pipeline, e.g. `count-by-key` or `validate-2` when a name repeats. */
  readonly operator: string;
  readonly partition: number;
  /** Folder of the topology file: relative paths in configs resolve from here. */
  readonly baseDir: string;
  readonly state: KeyedState;
  /** Sends an envelope to a named output of the topology (e.g. `rejected`, `alerts`), committed with the batch. */
  emit(output: string, envelope: Envelope<unknown>): void;
  /** The partition's watermark: event time (ms) before which no more records are expected. */
  watermark(): number;
  /** Wall-clock time, injectable for tests. */
  now(): number;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
}

/** A topology operator: declared once, its config schema types the config, validates the file and documents it. */
export interface OperatorDefinition<Config = unknown, In = unknown, Out = unknown> {
  /** Kebab-case; the file name, registered name and topology key. */
  readonly name: string;
  readonly summary: string;
  /** A zod schema, `.strict()`: unknown keys in the topology are errors. */
  readonly config: z.ZodType<Config, unknown>;
  /** Side outputs this operator may emit to; the topology must route each one. */
  readonly outputs?: readonly string[];
  /** Keeps keyed state: the engine creates its changelog topic and restores it on assignment. */
  readonly stateful?: boolean;
  /** Short topology snippets for the docs. */
  readonly examples?: readonly string[];
  create(config: Config, ctx: OperatorContext): OperatorFunction<Envelope<In>, Envelope<Out>>;
}

const kebabCase = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Declares an operator; checks the name so a bad one fails at start-up, not in a topology. */
export function defineOperator<Config, In, Out>(definition: OperatorDefinition<Config, In, Out>): OperatorDefinition<Config, In, Out> {
  if (!kebabCase.test(definition.name)) throw new TypeError(`operator name '${definition.name}' is not kebab-case`);
  return definition;
}

/** Any operator, as the registry and the compiler see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperatorDefinition = OperatorDefinition<any, any, any>;
