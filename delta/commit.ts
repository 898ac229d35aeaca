import type { Action } from './actions.js';
import { CHECKPOINT_INTERVAL, writeCheckpoint } from './checkpoint.js';
import type { DeltaTable } from './delta-table.js';
import { DeltaConflictError } from './errors.js';
import type { Snapshot } from './snapshot.js';

/**
 * Optimistic concurrency (PROTOCOL.md, "Creation of New Log Entries"): read the latest snapshot, decide the
 * actions against it, create the next version exclusively. When another writer created that version first,
 * read what it committed and decide again — `attempt` sees the new snapshot, so it can notice that the
 * winner already did its work (idempotent skip) or invalidated it (conflict). A checkpoint follows every
 * tenth version.
 */

export type Attempt<T> = (snapshot: Snapshot) => Promise<{ readonly actions: readonly Action[]; readonly result: T } | { readonly skip: T }>;

export interface Committed<T> {
  /** The version created, or undefined when the attempt decided there was nothing to commit. */
  readonly version: number | undefined;
  readonly result: T;
  /** Tries made (1 without contention). */
  readonly attempts: number;
  /** Why the checkpoint due after this version could not be written (the version is committed regardless). */
  readonly checkpointError?: Error;
}

const MAX_ATTEMPTS = 100;

export async function commitWithRetry<T>(table: DeltaTable, attempt: Attempt<T>): Promise<Committed<T>> {
  for (let attempts = 1; attempts <= MAX_ATTEMPTS; attempts++) {
    const snapshot = await table.refresh();
    const decided = await attempt(snapshot);
    if ('skip' in decided) return { version: undefined, result: decided.skip, attempts };
    const version = snapshot.version + 1;
    if (await table.store.tryCommit(version, decided.actions)) {
      table.adopt(version, decided.actions);
      let checkpointError: Error | undefined;
      if (version > 0 && version % CHECKPOINT_INTERVAL === 0) {
        // The commit stands whatever happens here: a checkpoint only shortens later reads of the log.
        checkpointError = await writeCheckpoint(table.store, table.snapshot).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        );
      }
      return { version, result: decided.result, attempts, checkpointError };
    }
  }
  throw new DeltaConflictError(`table ${table.root}: no commit after ${MAX_ATTEMPTS} attempts; other writers keep taking the next version`, { context: { table: table.root } });
}

/**
 * The commit clock: strictly increasing with the version, driven by the data (the largest event time of
 * the commit) rather than by the wall clock, so a replay writes identical log files.
 */
export function nextCommitTimestamp(previous: Snapshot, dataTime: number | undefined): number {
  const floor = previous.version < 0 ? 0 : previous.timestamp + 1;
  return dataTime === undefined ? floor : Math.max(floor, dataTime);
}

