/** Where committed operator state lives between batches: Redis in production, memory in embedded mode. */

/** State of one topology on one input partition. */
export interface PartitionScope {
  readonly topology: string;
  readonly partition: number;
}

/** A changed key of one operator; `value` null deletes it. Values are JSON text. */
export interface StateMutation {
  readonly operator: string;
  readonly key: string;
  readonly value: string | null;
}

/**
 * What the store has applied: the input offset the partition will resume from, and per stateful
 * operator the last changelog offset whose effect is in the store.
 */
export interface Checkpoint {
  readonly inputOffset: string;
  readonly changelog: Readonly<Record<string, string>>;
}

export interface StateStore {
  get(scope: PartitionScope, operator: string, key: string): Promise<string | undefined>;
  readCheckpoint(scope: PartitionScope): Promise<Checkpoint | undefined>;
  /**
   * Applies the mutations and the checkpoint in one atomic step. Refuses (returns false, changes
   * nothing) when the stored checkpoint is already at or past `checkpoint.inputOffset`: that write
   * comes from an owner that lost the partition.
   */
  apply(scope: PartitionScope, mutations: readonly StateMutation[], checkpoint: Checkpoint): Promise<boolean>;
  /** Every key of one operator on one partition (for tests and `describe`). */
  entries(scope: PartitionScope, operator: string): Promise<Map<string, string>>;
  close(): Promise<void>;
}

export function offsetAtOrPast(stored: string | undefined, incoming: string): boolean {
  return stored !== undefined && BigInt(stored) >= BigInt(incoming);
}
