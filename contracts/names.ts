import type { Topology } from './topology.js';

/**
 * The names Weir gives what it creates in Kafka, built in one place so the runtime, `weir describe` and the tests
 * always agree.
 */

/** Changelog topic of a stateful step: compacted, one partition per input partition. */
export function changelogTopic(topology: string, stepId: string): string {
  return `weir.${topology}.${stepId}.changelog`;
}

/** The consumer group of a topology's workers. */
export function consumerGroup(topology: Topology): string {
  return topology.source.kafka.group ?? `weir.${topology.name}`;
}

/** Transactional id of one input partition's producer: a new owner of the partition fences the previous one. */
export function transactionalId(topology: Topology, partition: number | string): string {
  return taskTransactionalId(topology, topology.source.kafka.topic, partition);
}

/** The consumer group of one of a topology's sinks: it keeps its own offsets, behind the topology's. */
export function sinkGroup(topology: Topology, sink: string): string {
  return `${consumerGroup(topology)}.sink.${sink}`;
}

/** The Kafka client id of a topology's workers, unless the file sets one. */
export function clientId(topology: Topology): string {
  return topology.kafka.clientId ?? `weir.${topology.name}`;
}

/** Ids of the steps that keep state, in pipeline order. */
export function statefulStepIds(topology: Topology): string[] {
  return topology.pipeline.filter((step) => step.definition.stateful === true).map((step) => step.id);
}

/** Transactional id of the producer of one partition of a task that reads `sourceTopic` (the input or a repartition topic). */
export function taskTransactionalId(topology: Topology, sourceTopic: string, partition: number | string): string {
  return `weir.${topology.name}.${sourceTopic}.${partition}`;
}

/** The consumer group of the tasks that read a repartition topic: the topology's group and the key-by step. */
export function subtopologyGroup(topology: Topology, keyByStep: string): string {
  return `${consumerGroup(topology)}.${keyByStep}`;
}
