import type { PartitionScope, StateMutation, StateStore } from './state-store.js';

/** Reads a changelog partition's committed records from an offset on (Kafka in production). */
export type ChangelogTailReader = (stepId: string, from: bigint) => Promise<{ values: Map<string, string | null>; lastOffset: bigint | undefined }>;

export interface RecoveryOutcome {
  readonly replayed: boolean;
  readonly keys: number;
}

/**
 * Step 1 of the exactly-once protocol, after the partition's transactional id is initialised: when the
 * group has committed past the store's checkpoint, the last batches committed in Kafka never reached the
 * store (a crash between commit and apply, or a wiped store). Their effect is in the changelogs: replay
 * each stateful step's changelog from its checkpoint and apply it together with the committed offset.
 */
export async function recoverPartition(options: {
  store: StateStore;
  scope: PartitionScope;
  statefulSteps: readonly string[];
  committedOffset: string | undefined;
  readTail: ChangelogTailReader;
}): Promise<RecoveryOutcome> {
  const { store, scope, statefulSteps, committedOffset, readTail } = options;
  if (committedOffset === undefined) return { replayed: false, keys: 0 };
  const checkpoint = await store.readCheckpoint(scope);
  if (checkpoint !== undefined && BigInt(checkpoint.inputOffset) >= BigInt(committedOffset)) return { replayed: false, keys: 0 };

  const mutations: StateMutation[] = [];
  const changelog: Record<string, string> = {};
  for (const stepId of statefulSteps) {
    const applied = checkpoint?.changelog[stepId];
    const tail = await readTail(stepId, applied === undefined ? 0n : BigInt(applied) + 1n);
    for (const [key, value] of tail.values) mutations.push({ operator: stepId, key, value });
    if (tail.lastOffset !== undefined) changelog[stepId] = tail.lastOffset.toString();
  }
  await store.apply(scope, mutations, { inputOffset: committedOffset, changelog });
  return { replayed: true, keys: mutations.length };
}
