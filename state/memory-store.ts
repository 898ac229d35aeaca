import type { Checkpoint, PartitionScope, StateMutation, StateStore } from './state-store.js';
import { offsetAtOrPast } from './state-store.js';

/** State in this process only: embedded mode and tests. Same semantics as the Redis store. */
export class MemoryStateStore implements StateStore {
  private readonly data = new Map<string, Map<string, string>>();
  private readonly checkpoints = new Map<string, Checkpoint>();

  private table(scope: PartitionScope, operator: string): Map<string, string> {
    const name = `${scope.topology}\u0000${scope.partition}\u0000${operator}`;
    let table = this.data.get(name);
    if (table === undefined) {
      table = new Map();
      this.data.set(name, table);
    }
    return table;
  }

  async get(scope: PartitionScope, operator: string, key: string): Promise<string | undefined> {
    return this.table(scope, operator).get(key);
  }

  async readCheckpoint(scope: PartitionScope): Promise<Checkpoint | undefined> {
    return this.checkpoints.get(`${scope.topology}\u0000${scope.partition}`);
  }

  async apply(scope: PartitionScope, mutations: readonly StateMutation[], checkpoint: Checkpoint): Promise<boolean> {
    const checkpointKey = `${scope.topology}\u0000${scope.partition}`;
    const stored = this.checkpoints.get(checkpointKey);
    if (offsetAtOrPast(stored?.inputOffset, checkpoint.inputOffset)) return false;
    for (const mutation of mutations) {
      const table = this.table(scope, mutation.operator);
      if (mutation.value === null) table.delete(mutation.key);
      else table.set(mutation.key, mutation.value);
    }
    this.checkpoints.set(checkpointKey, { inputOffset: checkpoint.inputOffset, changelog: { ...stored?.changelog, ...checkpoint.changelog } });
    return true;
  }

  async entries(scope: PartitionScope, operator: string): Promise<Map<string, string>> {
    return new Map(this.table(scope, operator));
  }

  async close(): Promise<void> {}
}
