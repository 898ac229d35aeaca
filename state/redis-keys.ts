import type { PartitionScope } from './state-store.js';

/**
 * Redis key layout. Every key of one topology partition shares the hash tag `{topology.partition}`,
 * so the atomic apply step stays in one Redis Cluster slot.
 */
export function partitionTag(scope: PartitionScope): string {
  return `{${scope.topology}.${scope.partition}}`;
}

/** Hash of one operator's keys on one partition. */
export function operatorStateKey(scope: PartitionScope, operator: string): string {
  return `weir:${partitionTag(scope)}:state:${operator}`;
}

/** Hash holding the partition's checkpoint: field `input`, and `changelog:<operator>` per operator. */
export function checkpointKey(scope: PartitionScope): string {
  return `weir:${partitionTag(scope)}:checkpoint`;
}
