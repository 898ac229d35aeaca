import type { AnyOperatorDefinition } from './operator.js';
import type { TopologyHeader } from './topology-schema.js';

/** One operator instance of a pipeline, its config validated and defaults filled. */
export interface PipelineStep {
  /** Unique in the pipeline: the operator name, suffixed `-2`, `-3` … when it repeats. */
  readonly id: string;
  readonly definition: AnyOperatorDefinition;
  readonly config: unknown;
}

/** A loaded topology: the file's settings with defaults filled, and its pipeline's operators resolved. */
export interface Topology extends Omit<TopologyHeader, 'pipeline'> {
  readonly file: string;
  readonly baseDir: string;
  readonly pipeline: readonly PipelineStep[];
}

/** Operators by topology name. Built once from an explicit list; a duplicate name fails at start-up. */
export type OperatorRegistry = ReadonlyMap<string, AnyOperatorDefinition>;
