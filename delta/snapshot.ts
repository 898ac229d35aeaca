import type { Action, AddFile, Metadata, Protocol, RemoveFile, Txn } from './actions.js';
import { DeltaLogError } from './errors.js';

/**
 * The state of a table at one version (PROTOCOL.md, "Action Reconciliation"): protocol, metadata, the live
 * files, the tombstones of removed files, and the latest version of each application transaction.
 * Built by replaying a checkpoint and the commits after it, in version order.
 */
export class Snapshot {
  version = -1;
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  /** Live files by their log `path`, in the order they were added. */
  readonly files = new Map<string, AddFile>();
  readonly tombstones = new Map<string, RemoveFile>();
  readonly txns = new Map<string, Txn>();
  /** `commitInfo.timestamp` of this version (the table's deterministic commit clock); 0 when unknown. */
  timestamp = 0;

  constructor(readonly table: string) {}

  /** Applies the actions of `version` (a commit, or a checkpoint taken at that version). */
  apply(version: number, actions: readonly Action[]): void {
    for (const action of actions) {
      if ('add' in action) {
        this.files.delete(action.add.path); // re-adding a path moves it to the end: replay order stays commit order
        this.files.set(action.add.path, action.add);
        this.tombstones.delete(action.add.path);
      } else if ('remove' in action) {
        this.files.delete(action.remove.path);
        this.tombstones.set(action.remove.path, action.remove);
      } else if ('txn' in action) {
        this.txns.set(action.txn.appId, action.txn);
      } else if ('metaData' in action) {
        this.metadata = action.metaData;
      } else if ('protocol' in action) {
        this.protocol = action.protocol;
      } else if ('commitInfo' in action) {
        if (typeof action.commitInfo.timestamp === 'number') this.timestamp = action.commitInfo.timestamp;
      }
    }
    this.version = version;
  }

  /** The metadata, which every version of a valid table has. */
  get meta(): Metadata {
    if (!this.metadata || !this.protocol) {
      throw new DeltaLogError(`table ${this.table} at version ${this.version} has no ${this.metadata ? 'protocol' : 'metaData'} action`, { context: { table: this.table, version: this.version } });
    }
    return this.metadata;
  }

  clone(): Snapshot {
    const copy = new Snapshot(this.table);
    copy.version = this.version;
    copy.protocol = this.protocol;
    copy.metadata = this.metadata;
    copy.timestamp = this.timestamp;
    for (const [path, add] of this.files) copy.files.set(path, add);
    for (const [path, remove] of this.tombstones) copy.tombstones.set(path, remove);
    for (const [appId, txn] of this.txns) copy.txns.set(appId, txn);
    return copy;
  }
}
