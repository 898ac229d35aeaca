import type { PartitionScope } from './state-store.js';

/**
 * Redis key layout. Every key of one task on one partition shares the hash tag `{<topology>[:<task>]:<partition>}`,
 * so the atomic apply stays one Lua script in one Redis Cluster slot:
 * - `weir:{…}:s:<operator>:<key>` — a string per state key: the bytes its codec wrote, with the key's TTL (PXAT);
 * - `weir:{…}:b:<operator>:<bitset>` — a string per bitset, written with SETBIT;
 * - `weir:{…}:checkpoint` — a hash: `input`, `changelog:<step>` per stateful step, `watermark`.
 * Topology and step names are kebab-case, so the `:` after them is unambiguous; the key or bitset name comes last.
 */
export function partitionTag(scope: PartitionScope): string {
  return scope.task === undefined ? `{${scope.topology}:${scope.partition}}` : `{${scope.topology}:${scope.task}:${scope.partition}}`;
}

/** Prefix of every state key of one operator on one partition. */
export function stateKeyPrefix(scope: PartitionScope, operator: string): string {
  return `weir:${partitionTag(scope)}:s:${operator}:`;
}

export function stateKey(scope: PartitionScope, operator: string, key: string): string {
  return stateKeyPrefix(scope, operator) + key;
}

export function bitsetKey(scope: PartitionScope, operator: string, bitset: string): string {
  return `weir:${partitionTag(scope)}:b:${operator}:${bitset}`;
}

export function checkpointKey(scope: PartitionScope): string {
  return `weir:${partitionTag(scope)}:checkpoint`;
}

/** A SCAN pattern matching every key of one partition's task: state, bitsets and checkpoint (for tests and clean-up). */
export function partitionKeyPattern(scope: PartitionScope): string {
  return `${globEscape(`weir:${partitionTag(scope)}:`)}*`;
}

/** A SCAN pattern matching the state keys of one operator on one partition. */
export function stateKeyPattern(scope: PartitionScope, operator: string): string {
  return `${globEscape(stateKeyPrefix(scope, operator))}*`;
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
