import { checkProtocol, type Action, type CommitInfo, type Txn } from './actions.js';
import { readCheckpoint } from './checkpoint.js';
import { parseSchemaString, type Column } from './columns.js';
import { DeltaLogError } from './errors.js';
import { LogStore } from './log-store.js';
import { Snapshot } from './snapshot.js';

/**
 * A Delta table read from its log. `open` loads the latest version: the checkpoint named by
 * `_last_checkpoint` (or, failing that, the newest one listed), then the commits after it. `refresh` reads
 * only the commits that appeared since. Older versions load from the newest checkpoint not after them.
 */

export interface CommitSummary {
  version: number;
  /** `commitInfo.timestamp`: the table's deterministic commit clock (event time for sink appends). */
  timestamp: number;
  operation: string;
  operationParameters: Record<string, string>;
  operationMetrics: Record<string, string>;
  /** Application transactions recorded by this version (the sink's Kafka positions). */
  txns: Txn[];
  addedFiles: number;
  removedFiles: number;
}

export class DeltaTable {
  private current: Snapshot;

  private constructor(
    readonly root: string,
    readonly store: LogStore,
    snapshot: Snapshot,
  ) {
    this.current = snapshot;
  }

  /** Opens an existing table at its latest version; a directory without a log is a DeltaLogError. */
  static async open(root: string): Promise<DeltaTable> {
    const table = await DeltaTable.openOrEmpty(root);
    if (table.version < 0) throw new DeltaLogError(`${root} is not a Delta table: ${table.store.logDirectory} has no commits`, { context: { table: root } });
    return table;
  }

  /** Opens a table, or an empty state (version -1) where no commit exists yet: what a writer starts from. */
  static async openOrEmpty(root: string): Promise<DeltaTable> {
    const store = new LogStore(root);
    const snapshot = await loadSnapshot(store, undefined);
    return new DeltaTable(root, store, snapshot);
  }

  /** The latest loaded version (-1 for a table with no commit). */
  get version(): number {
    return this.current.version;
  }

  /** The latest loaded snapshot; `refresh` to see newer commits. */
  get snapshot(): Snapshot {
    return this.current;
  }

  /** The table's columns (partition columns included). */
  get columns(): Column[] {
    return parseSchemaString(this.current.meta.schemaString);
  }

  /** Reads the commits made since the last load and returns the new latest snapshot. */
  async refresh(): Promise<Snapshot> {
    let next = this.current.version + 1;
    if (!(await this.store.hasCommit(next))) return this.current;
    const snapshot = this.current.clone();
    while (await this.store.hasCommit(next)) {
      snapshot.apply(next, await this.store.readCommit(next));
      next++;
    }
    checkSnapshot(snapshot);
    this.current = snapshot;
    return snapshot;
  }

  /** Records a commit this process just made (its actions are known; no need to read them back). */
  adopt(version: number, actions: readonly Action[]): void {
    if (version !== this.current.version + 1) return;
    const snapshot = this.current.clone();
    snapshot.apply(version, actions);
    this.current = snapshot;
  }

  /**
   * The latest `version` committed by application `appId` (for the sink: the next Kafka offset to read for
   * `<sink-id>.<topic>.<partition>`), or undefined when it never committed, as of the latest loaded version.
   */
  lastTxnVersion(appId: string): number | undefined {
    return this.current.txns.get(appId)?.version;
  }

  async snapshotAt(version: number): Promise<Snapshot> {
    if (version === this.current.version) return this.current;
    if (!Number.isInteger(version) || version < 0) throw new DeltaLogError(`table ${this.root}: version ${version} is not a version number`, { context: { table: this.root } });
    return loadSnapshot(this.store, version);
  }

  /** The latest version whose commit timestamp is at or before `timestamp` (epoch ms); see `versionAsOf`. */
  async versionAsOf(timestamp: number): Promise<number> {
    return versionAsOf(this.store, this.current.version, timestamp);
  }

  /** Every version, newest first, as DESCRIBE HISTORY shows them. */
  async history(): Promise<CommitSummary[]> {
    const out: CommitSummary[] = [];
    for (let version = this.current.version; version >= 0; version--) out.push(summarise(version, await this.store.readCommit(version)));
    return out;
  }
}

/** Every version of the table at `root`, newest first (DESCRIBE HISTORY). */
export async function history(root: string): Promise<CommitSummary[]> {
  return (await DeltaTable.open(root)).history();
}

/** Loads one version of the table at `root` (latest when undefined) without loading any other. */
export async function loadVersion(root: string, version?: number): Promise<Snapshot> {
  const snapshot = await loadSnapshot(new LogStore(root), version);
  if (snapshot.version < 0) throw new DeltaLogError(`${root} is not a Delta table: it has no commits`, { context: { table: root } });
  return snapshot;
}

/** The newest committed version of the table at `root`, from a listing of its log (-1 when none). */
export async function latestVersion(root: string): Promise<number> {
  return (await new LogStore(root).list()).commits.at(-1) ?? -1;
}

/** The commit timestamp of one version (from its commitInfo; 0 when it has none). */
async function commitTimestamp(store: LogStore, version: number): Promise<number> {
  const info = (await store.readCommit(version)).find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a);
  return info?.commitInfo.timestamp ?? 0;
}

/**
 * The latest version up to `latest` whose commit timestamp is at or before `timestamp` (epoch ms). Commit
 * timestamps of this library's writers increase strictly with the version, so a binary search suffices.
 */
export async function versionAsOf(store: LogStore, latest: number, timestamp: number): Promise<number> {
  let low = 0;
  let high = latest;
  if (high < 0 || (await commitTimestamp(store, 0)) > timestamp) {
    throw new DeltaLogError(`table ${store.root} has no version at or before ${new Date(timestamp).toISOString()}`, { context: { table: store.root } });
  }
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((await commitTimestamp(store, middle)) <= timestamp) low = middle;
    else high = middle - 1;
  }
  return low;
}

function summarise(version: number, actions: readonly Action[]): CommitSummary {
  const info = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
  return {
    version,
    timestamp: info?.timestamp ?? 0,
    operation: info?.operation ?? 'UNKNOWN',
    operationParameters: info?.operationParameters ?? {},
    operationMetrics: info?.operationMetrics ?? {},
    txns: actions.filter((a): a is { txn: Txn } => 'txn' in a).map((a) => a.txn),
    addedFiles: actions.filter((a) => 'add' in a).length,
    removedFiles: actions.filter((a) => 'remove' in a).length,
  };
}

function checkSnapshot(snapshot: Snapshot): void {
  if (snapshot.version < 0) return;
  checkProtocol(snapshot.protocol ?? { minReaderVersion: 1, minWriterVersion: 1 }, 'read', snapshot.table);
  void snapshot.meta; // throws when the metaData or protocol action is missing
}

/** Loads the snapshot at `version` (latest when undefined) from the newest usable checkpoint and the commits after it. */
async function loadSnapshot(store: LogStore, version: number | undefined): Promise<Snapshot> {
  const listing = await store.list();
  const snapshot = new Snapshot(store.root);
  const latest = listing.commits.at(-1) ?? -1;
  const target = version ?? latest;
  if (target > latest) throw new DeltaLogError(`table ${store.root} has no version ${target} (latest is ${latest})`, { context: { table: store.root, version: target } });
  if (target < 0) return snapshot;

  const hint = await store.readLastCheckpoint();
  const usable = listing.checkpoints.filter((v) => v <= target);
  const start = hint && hint.version <= target && usable.includes(hint.version) ? hint.version : usable.at(-1);
  let from = 0;
  if (start !== undefined) {
    snapshot.apply(start, await readCheckpoint(store, start));
    // The checkpoint holds no commitInfo: the commit clock of its version comes from the commit file.
    const info = (await store.readCommit(start)).find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a);
    snapshot.timestamp = info?.commitInfo.timestamp ?? 0;
    from = start + 1;
  }
  const present = new Set(listing.commits);
  for (let v = from; v <= target; v++) {
    if (!present.has(v)) {
      throw new DeltaLogError(`table ${store.root}: version ${target} cannot be loaded: commit ${v} is missing and no checkpoint at or before ${target} covers it`, {
        context: { table: store.root, version: target, file: store.commitPath(v) },
      });
    }
    snapshot.apply(v, await store.readCommit(v));
  }
  checkSnapshot(snapshot);
  return snapshot;
}
