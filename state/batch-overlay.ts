import type { KeyedState } from '../contracts/operator.js';
import type { PartitionScope, StateMutation, StateStore } from './state-store.js';

/**
 * A batch's uncommitted state: writes stay here until the batch commits; reads see them first, then
 * the committed store. A fork isolates one record's writes so a failing record can be dropped alone.
 */
export class BatchOverlay {
  /** operator → key → JSON value (null: deleted) */
  private readonly writes = new Map<string, Map<string, string | null>>();
  /** Committed values already read in this batch (the partition has one owner, so they cannot change under us). */
  private readonly reads: Map<string, string | undefined>;

  constructor(
    private readonly store: StateStore,
    private readonly scope: PartitionScope,
    private readonly parent?: BatchOverlay,
  ) {
    this.reads = parent?.reads ?? new Map();
  }

  fork(): BatchOverlay {
    return new BatchOverlay(this.store, this.scope, this);
  }

  /** Moves this fork's writes into its parent. */
  mergeIntoParent(): void {
    if (this.parent === undefined) throw new TypeError('mergeIntoParent on a root overlay');
    for (const [operator, writes] of this.writes) {
      for (const [key, value] of writes) this.parent.write(operator, key, value);
    }
    this.writes.clear();
  }

  async get<V>(operator: string, key: string): Promise<V | undefined> {
    const text = await this.read(operator, key);
    return text === undefined ? undefined : (JSON.parse(text) as V);
  }

  put<V>(operator: string, key: string, value: V): void {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`state value for '${key}' is not JSON-serialisable`);
    this.write(operator, key, text);
  }

  delete(operator: string, key: string): void {
    this.write(operator, key, null);
  }

  /** One operator's keyed state over this overlay. */
  view(operator: string): KeyedState {
    return {
      get: (key) => this.get(operator, key),
      put: (key, value) => this.put(operator, key, value),
      delete: (key) => this.delete(operator, key),
    };
  }

  mutations(): StateMutation[] {
    const mutations: StateMutation[] = [];
    for (const [operator, writes] of this.writes) {
      for (const [key, value] of writes) mutations.push({ operator, key, value });
    }
    return mutations;
  }

  get size(): number {
    let size = 0;
    for (const writes of this.writes.values()) size += writes.size;
    return size;
  }

  private write(operator: string, key: string, value: string | null): void {
    let writes = this.writes.get(operator);
    if (writes === undefined) {
      writes = new Map();
      this.writes.set(operator, writes);
    }
    writes.set(key, value);
  }

  /** This layer's or an ancestor's uncommitted value: text, null when deleted, undefined when untouched. */
  private written(operator: string, key: string): string | null | undefined {
    const own = this.writes.get(operator);
    if (own !== undefined && own.has(key)) return own.get(key);
    return this.parent?.written(operator, key);
  }

  private async read(operator: string, key: string): Promise<string | undefined> {
    const written = this.written(operator, key);
    if (written !== undefined) return written ?? undefined;
    const cacheKey = `${operator}\u0000${key}`;
    if (this.reads.has(cacheKey)) return this.reads.get(cacheKey);
    const committed = await this.store.get(this.scope, operator, key);
    this.reads.set(cacheKey, committed);
    return committed;
  }
}
