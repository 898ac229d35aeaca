import type { PipelineStep, Topology } from '../contracts/topology.js';

/**
 * A topology cut at its key-by steps: the first sub-topology reads the input topic; each key-by step writes re-keyed
 * records to its repartition topic, which the next sub-topology reads. Each runs as its own tasks (own transactional
 * ids, offsets, state and watermarks) in the same workers.
 */
export interface Subtopology {
  /** Absent for the first one; the id of the key-by step that feeds it otherwise (state scopes and names use it). */
  readonly id: string | undefined;
  readonly source: { readonly topic: string; readonly repartition: boolean };
  readonly steps: readonly PipelineStep[];
  /** Where its records go after its last step: the topology's `default` output, or the next repartition topic. */
  readonly next: { readonly keyBy: PipelineStep; readonly topic: string; readonly field: string; readonly partitions: number | undefined } | undefined;
}

/** The internal topic a key-by step writes to. */
export function repartitionTopic(topology: string, stepId: string): string {
  return `weir.${topology}.${stepId}.repartition`;
}

export function subtopologies(topology: Topology): Subtopology[] {
  const parts: Subtopology[] = [];
  let id: string | undefined;
  let source = { topic: topology.source.kafka.topic, repartition: false };
  let steps: PipelineStep[] = [];
  for (const step of topology.pipeline) {
    if (step.definition.name !== 'key-by') {
      steps.push(step);
      continue;
    }
    const config = step.config as { field: string; partitions?: number };
    const topic = repartitionTopic(topology.name, step.id);
    parts.push({ id, source, steps, next: { keyBy: step, topic, field: config.field, partitions: config.partitions } });
    id = step.id;
    source = { topic, repartition: true };
    steps = [];
  }
  parts.push({ id, source, steps, next: undefined });
  return parts;
}
