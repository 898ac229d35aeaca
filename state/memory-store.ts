import type { Checkpoint, PartitionScope, StateMutation, StateStore } from './state-store.js';
import { checkpointAtOrPast } from './state-store.js';

interface Entry {
  readonly value: Buffer;
  readonly expiresAt: number | undefined;
}

export interface MemoryStateStoreOptions {
  /** The clock TTLs expire on, epoch ms; Date.now when absent (tests and the memory runner inject theirs). */
  readonly now?: () => number;
}

/**
 * State in this process only: embedded mode and tests. Same semantics as the Redis store: values as bytes, keys that
 * expire at an absolute time, bitsets whose bits only get set, a checkpoint that refuses to move back.
 */
export class MemoryStateStore implements StateStore {
  private readonly tables = new Map<string, Map<string, Entry>>();
  /** Bitsets as Redis stores them: bit 0 is the most significant bit of byte 0; grown as bits are set. */
  private readonly bitsets = new Map<string, Uint8Array>();
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly now: () => number;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async get(scope: PartitionScope, operator: string, key: string): Promise<Buffer | undefined> {
    return this.live(this.tables.get(operatorName(scope, operator)), key);
  }

  async testBits(scope: PartitionScope, operator: string, bitset: string, offsets: readonly number[]): Promise<boolean[]> {
    const bits = this.bitsets.get(bitsetName(scope, operator, bitset));
    return offsets.map((offset) => bits !== undefined && ((bits[offset >>> 3] ?? 0) & (0x80 >>> (offset & 7))) !== 0);
  }

  async readCheckpoint(scope: PartitionScope): Promise<Checkpoint | undefined> {
    return this.checkpoints.get(partitionName(scope));
  }

  async apply(scope: PartitionScope, mutations: readonly StateMutation[], checkpoint: Checkpoint): Promise<boolean> {
    const checkpointKey = partitionName(scope);
    const stored = this.checkpoints.get(checkpointKey);
    if (checkpointAtOrPast(stored, checkpoint)) return false;
    const now = this.now();
    for (const mutation of mutations) {
      if (mutation.kind === 'bits') {
        this.setBits(bitsetName(scope, mutation.operator, mutation.key), mutation.offsets);
        continue;
      }
      const name = operatorName(scope, mutation.operator);
      let table = this.tables.get(name);
      if (table === undefined) this.tables.set(name, (table = new Map()));
      if (mutation.kind === 'delete' || (mutation.expiresAt !== undefined && mutation.expiresAt <= now)) table.delete(mutation.key);
      else table.set(mutation.key, { value: mutation.value, expiresAt: mutation.expiresAt });
    }
    const watermark = checkpoint.watermark ?? stored?.watermark;
    this.checkpoints.set(checkpointKey, { inputOffset: checkpoint.inputOffset, changelog: { ...stored?.changelog, ...checkpoint.changelog }, ...(watermark === undefined ? {} : { watermark }), ...(checkpoint.tick ? { tick: checkpoint.tick } : {}) });
    return true;
  }

  async entries(scope: PartitionScope, operator: string): Promise<Map<string, Buffer>> {
    const table = this.tables.get(operatorName(scope, operator));
    const entries = new Map<string, Buffer>();
    for (const key of table?.keys() ?? []) {
      const value = this.live(table, key);
      if (value !== undefined) entries.set(key, value);
    }
    return entries;
  }

  async close(): Promise<void> {}

  /** A key's value unless it has expired (then it is dropped, as Redis drops it when it is read). */
  private live(table: Map<string, Entry> | undefined, key: string): Buffer | undefined {
    const entry = table?.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      table?.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private setBits(name: string, offsets: readonly number[]): void {
    let bits = this.bitsets.get(name);
    let highest = -1;
    for (const offset of offsets) if (offset > highest) highest = offset;
    const needed = (highest >>> 3) + 1;
    if (bits === undefined || bits.length < needed) {
      const grown = new Uint8Array(Math.max(needed, 2 * (bits?.length ?? 0)));
      if (bits !== undefined) grown.set(bits);
      this.bitsets.set(name, (bits = grown));
    }
    for (const offset of offsets) bits[offset >>> 3] = (bits[offset >>> 3] as number) | (0x80 >>> (offset & 7));
  }
}

const partitionName = (scope: PartitionScope): string => `${scope.topology}\u0000${scope.task ?? ''}\u0000${scope.partition}`;
const operatorName = (scope: PartitionScope, operator: string): string => `${partitionName(scope)}\u0000${operator}`;
const bitsetName = (scope: PartitionScope, operator: string, bitset: string): string => `${operatorName(scope, operator)}\u0000${bitset}`;
