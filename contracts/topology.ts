import type { AnyOperatorDefinition } from './operator.js';
import type { AnySinkDefinition } from './sink.js';
import type { TopologyHeader } from './topology-schema.js';

/** One operator instance of a pipeline, its config validated and defaults filled. */
export interface PipelineStep {
  /** Unique in the pipeline: the operator name, suffixed `-2`, `-3` … when it repeats. */
  readonly id: string;
  readonly definition: AnyOperatorDefinition;
  readonly config: unknown;
}

/** A sink of the topology: which output it writes from, its connector, and the connector's validated config. */
export interface SinkStep {
  readonly name: string;
  readonly from: string;
  readonly definition: AnySinkDefinition;
  readonly config: unknown;
}

/** A loaded topology: the file's settings with defaults filled, its pipeline's operators and its sinks resolved. */
export interface Topology extends Omit<TopologyHeader, 'pipeline' | 'sinks'> {
  readonly file: string;
  readonly baseDir: string;
  readonly pipeline: readonly PipelineStep[];
  readonly sinks: readonly SinkStep[];
}

/** Operators by topology name. Built once from an explicit list; a duplicate name fails at start-up. */
export type OperatorRegistry = ReadonlyMap<string, AnyOperatorDefinition>;
