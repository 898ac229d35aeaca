import type { ChangelogTail } from '../contracts/state-changelog.js';
import type { Checkpoint, PartitionScope, StateMutation, StateStore } from './state-store.js';
import { checkpointAtOrPast } from './state-store.js';

/** Reads a changelog partition's committed records from an offset on (Kafka in production). */
export type ChangelogTailReader = (stepId: string, from: bigint) => Promise<ChangelogTail>;

export interface RecoveryOutcome {
  readonly replayed: boolean;
  /** Keys put or deleted, and bitsets written, by the replay. */
  readonly keys: number;
}

/**
 * Step 1 of the exactly-once protocol, after the partition's transactional id is initialised: when the group has
 * committed past the store's checkpoint, the last batches committed in Kafka never reached the store (a crash between
 * commit and apply, or a wiped store). Their effect is in the changelogs: replay each stateful step's changelog from its
 * checkpoint — the last put or delete of each key, every bit set — and apply it together with the committed offset, in
 * one atomic step. A TTL stays the absolute expiry the record carries: a put whose expiry has passed is a delete.
 */
export async function recoverPartition(options: {
  store: StateStore;
  scope: PartitionScope;
  statefulSteps: readonly string[];
  /** What the group has committed in Kafka: the input offset, and the ticks at it (batches that only fired timers). */
  committed: Pick<Checkpoint, 'inputOffset' | 'tick'> | undefined;
  readTail: ChangelogTailReader;
}): Promise<RecoveryOutcome> {
  const { store, scope, statefulSteps, committed, readTail } = options;
  if (committed === undefined) return { replayed: false, keys: 0 };
  const checkpoint = await store.readCheckpoint(scope);
  if (checkpointAtOrPast(checkpoint, { ...committed, changelog: {} })) return { replayed: false, keys: 0 };

  const mutations: StateMutation[] = [];
  const changelog: Record<string, string> = {};
  for (const operator of statefulSteps) {
    const applied = checkpoint?.changelog[operator];
    const tail = await readTail(operator, applied === undefined ? 0n : BigInt(applied) + 1n);
    for (const [key, put] of tail.values) {
      if (put === null) mutations.push({ kind: 'delete', operator, key });
      else if (put.expiresAt === undefined) mutations.push({ kind: 'put', operator, key, value: put.value });
      else mutations.push({ kind: 'put', operator, key, value: put.value, expiresAt: put.expiresAt });
    }
    for (const [bitset, offsets] of tail.bits) mutations.push({ kind: 'bits', operator, key: bitset, offsets });
    if (tail.lastOffset !== undefined) changelog[operator] = tail.lastOffset.toString();
  }
  // The watermark is not in the changelog: the stored one stays (it never moves back).
  await store.apply(scope, mutations, { inputOffset: committed.inputOffset, changelog, ...(committed.tick === undefined ? {} : { tick: committed.tick }) });
  return { replayed: true, keys: mutations.length };
}
