/**
 * The data of operator state as it moves between a batch, the changelog and a state store. Values are bytes: each
 * operator's codec (contracts/state-codec.ts) turns its values into bytes and back.
 */

/** State of one task of a topology on one input partition. */
export interface PartitionScope {
  readonly topology: string;
  readonly partition: number;
  /**
   * The sub-topology the task runs, when the topology is cut by key-by steps: absent for the first one (the one that
   * reads the topology's input), the id of the key-by step for the others.
   */
  readonly task?: string;
}

/**
 * A change a batch made to one operator's state:
 * - `put`: the key's value (encoded by the operator's codec), with an absolute expiry (epoch ms) when it has a TTL;
 * - `delete`: the key is gone;
 * - `bits`: bits set in one of the operator's bitsets (`key` names the bitset); bits are never cleared.
 * A state key never starts with U+0000: that prefix marks the changelog's own records (contracts/state-changelog.ts).
 */
export type StateMutation =
  | { readonly kind: 'put'; readonly operator: string; readonly key: string; readonly value: Buffer; readonly expiresAt?: number }
  | { readonly kind: 'delete'; readonly operator: string; readonly key: string }
  | { readonly kind: 'bits'; readonly operator: string; readonly key: string; readonly offsets: readonly number[] };

/**
 * What the store has applied: the input offset the partition will resume from, per stateful operator the last
 * changelog offset whose effect is in the store, and the partition's watermark.
 */
export interface Checkpoint {
  readonly inputOffset: string;
  readonly changelog: Readonly<Record<string, string>>;
  /** Event time (epoch ms) the task's watermark had reached; it never moves back. */
  readonly watermark?: number;
  /**
   * Commits at the same input offset so far: batches without records (ticks) that fired timers. A checkpoint is after
   * another when its input offset is, or when the offsets are equal and its tick is; absent is 0.
   */
  readonly tick?: number;
}

/** Bit offsets of a bitset are integers from 0 to below this: the bits one Redis string holds (512 MiB). */
export const maxBitsetBits = 2 ** 32;

/**
 * The first character of the keys the engine keeps in an operator's state beside the operator's own (timers, the
 * watermark): listings of an operator's state leave them out.
 */
export const engineKeyPrefix = '\u0001';
