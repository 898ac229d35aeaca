import type { z } from 'zod';
import type { Logger } from './logger.js';
import type { OperatorMetrics } from './operator.js';

/** A committed record of an output topic, as a sink receives it: the value decoded per the output's format. */
export interface SinkRecord<T = unknown> {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, a decimal string: with topic and partition, the record's deterministic id. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: T;
  readonly headers: Readonly<Record<string, string>>;
  /** The record's timestamp (its event time when Weir wrote it), epoch ms. */
  readonly timestamp: number;
}

/** A record a sink cannot write (it does not fit the target's schema, say): it goes to `rejected`, the rest is written. */
export interface SinkRejection {
  readonly record: SinkRecord;
  readonly reason: string;
  readonly error: string;
}

export interface SinkContext {
  readonly topology: string;
  /** The sink's name in the topology file. */
  readonly sink: string;
  /** Folder of the topology file: relative paths in configs resolve from here. */
  readonly baseDir: string;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
}

/**
 * Writes committed records to an external system. Writes must be idempotent — the same record written twice (a replay
 * after a crash between the write and the offset commit) changes nothing — which is what makes the effect exactly once.
 */
export interface SinkWriter {
  /** Writes records of one partition, in offset order; resolves once they are durable. */
  write(records: readonly SinkRecord[]): Promise<readonly SinkRejection[]>;
  /**
   * For a sink that records in its own storage how far it has written (a file, a table's transaction log): the next
   * offset to write for a partition. The runner resumes there instead of the group's committed offset.
   */
  resumeOffset?(topic: string, partition: number): Promise<string | undefined>;
  close(): Promise<void>;
}

/** A sink connector: declared once, its config schema validates the topology file and documents it. */
export interface SinkDefinition<Config = unknown> {
  /** Kebab-case; the key that selects it in a topology's `sinks` entry. */
  readonly name: string;
  readonly summary: string;
  /** What a user can rely on, shown by `weir describe`. */
  readonly guarantee: string;
  readonly config: z.ZodType<Config, unknown>;
  readonly examples?: readonly string[];
  create(config: Config, ctx: SinkContext): Promise<SinkWriter>;
}

const kebabCase = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function defineSink<Config>(definition: SinkDefinition<Config>): SinkDefinition<Config> {
  if (!kebabCase.test(definition.name)) throw new TypeError(`sink name '${definition.name}' is not kebab-case`);
  return definition;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySinkDefinition = SinkDefinition<any>;

/** Sinks by topology key. */
export type SinkRegistry = ReadonlyMap<string, AnySinkDefinition>;
