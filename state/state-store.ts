import type { Checkpoint, PartitionScope, StateMutation } from '../contracts/state.js';

/** Where committed operator state lives between batches: Redis in production, memory in embedded mode. */
export interface StateStore {
  /** The committed value of one key, as its codec wrote it; undefined when absent or expired. */
  get(scope: PartitionScope, operator: string, key: string): Promise<Buffer | undefined>;
  /** Whether each bit of one of the operator's bitsets is set, in the order of `offsets`. */
  testBits(scope: PartitionScope, operator: string, bitset: string, offsets: readonly number[]): Promise<boolean[]>;
  readCheckpoint(scope: PartitionScope): Promise<Checkpoint | undefined>;
  /**
   * Applies the mutations and the checkpoint in one atomic step. Refuses (returns false, changes nothing) when the
   * stored checkpoint is already at or past the incoming one (`checkpointAtOrPast`): that write comes from an owner
   * that lost the partition. A put whose `expiresAt` has passed is applied as a delete.
   */
  apply(scope: PartitionScope, mutations: readonly StateMutation[], checkpoint: Checkpoint): Promise<boolean>;
  /** Every live key of one operator on one partition, with its value (for tests and `describe`). */
  entries(scope: PartitionScope, operator: string): Promise<Map<string, Buffer>>;
  close(): Promise<void>;
}

/** Whether a stored checkpoint is at or past an incoming one: input offset first, then the tick at that offset. */
export function checkpointAtOrPast(stored: Checkpoint | undefined, incoming: Checkpoint): boolean {
  if (stored === undefined) return false;
  const storedOffset = BigInt(stored.inputOffset);
  const incomingOffset = BigInt(incoming.inputOffset);
  return storedOffset > incomingOffset || (storedOffset === incomingOffset && (stored.tick ?? 0) >= (incoming.tick ?? 0));
}

export type { Checkpoint, PartitionScope, StateMutation };
