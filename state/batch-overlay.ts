import { StateValueError } from '../contracts/errors.js';
import type { Bitset, KeyedState } from '../contracts/operator.js';
import { isReservedStateKey, maxStateValueBytes } from '../contracts/state-changelog.js';
import type { StateCodec } from '../contracts/state-codec.js';
import { maxBitsetBits } from '../contracts/state.js';
import { jsonCodec } from './state-codecs.js';
import type { PartitionScope, StateMutation, StateStore } from './state-store.js';

const maxKeyLength = 1_048_576;

/** A batch's write of one key: its encoded value and expiry, or null when deleted. */
type Write = { readonly value: Buffer; readonly expiresAt: number | undefined } | null;

/** operator → name → entry: keys of one operator, or bitsets of one operator. */
type ByOperator<T> = Map<string, Map<string, T>>;

/** Committed data read in this batch; the partition has one owner, so it cannot change under the batch. */
interface CommittedReads {
  readonly values: ByOperator<Buffer | undefined>;
  /** Bits answered by the store: bits only get set, and this batch's own sets are pending, not committed. */
  readonly bits: ByOperator<Map<number, boolean>>;
}

/**
 * A batch's uncommitted state: writes and bit sets stay here until the batch commits; reads see them first, then the
 * committed store. A fork isolates one record's writes and bit sets, so a failing record can be dropped alone.
 */
export class BatchOverlay {
  private readonly writes: ByOperator<Write> = new Map();
  /** Bits set by this layer, per operator and bitset. */
  private readonly sets: ByOperator<Set<number>> = new Map();
  private readonly committed: CommittedReads;
  /** Views handed out, so that asking again for the same one allocates nothing. */
  private readonly views = new Map<string, { codec: StateCodec<unknown>; now: () => number; state: KeyedState }>();

  constructor(
    private readonly store: StateStore,
    private readonly scope: PartitionScope,
    private readonly parent?: BatchOverlay,
  ) {
    this.committed = parent?.committed ?? { values: new Map(), bits: new Map() };
  }

  fork(): BatchOverlay {
    return new BatchOverlay(this.store, this.scope, this);
  }

  /** Moves this fork's writes and bit sets into its parent. */
  mergeIntoParent(): void {
    const parent = this.parent;
    if (parent === undefined) throw new TypeError('mergeIntoParent on a root overlay');
    for (const [operator, writes] of this.writes) for (const [key, write] of writes) entry(parent.writes, operator).set(key, write);
    for (const [operator, bitsets] of this.sets) {
      const targets = entry(parent.sets, operator);
      for (const [name, offsets] of bitsets) {
        const target = targets.get(name);
        if (target === undefined) targets.set(name, offsets);
        else for (const offset of offsets) target.add(offset);
      }
    }
    this.writes.clear();
    this.sets.clear();
  }

  /** One operator's keyed state over this overlay, its values through `codec`, its TTLs on `now`. */
  view(operator: string, codec: StateCodec<unknown> = jsonCodec, now: () => number = Date.now): KeyedState {
    const cached = this.views.get(operator);
    if (cached !== undefined && cached.codec === codec && cached.now === now) return cached.state;
    const state = keyedState(() => this, operator, codec, now);
    this.views.set(operator, { codec, now, state });
    return state;
  }

  async get<V>(operator: string, key: string, codec: StateCodec<unknown>, now: () => number): Promise<V | undefined> {
    const written = this.written(operator, key);
    if (written === null || (written?.expiresAt !== undefined && written.expiresAt <= now())) return undefined;
    const bytes = written?.value ?? (await this.readCommitted(operator, key));
    if (bytes === undefined) return undefined;
    try {
      return codec.decode(bytes) as V;
    } catch (error) {
      throw contextual(error, this.scope, operator, key);
    }
  }

  /**
   * Encodes at once, so that a value the codec or the changelog cannot take fails the record that wrote it (which is
   * then isolated and dead-lettered) rather than the batch's commit, forever.
   */
  put(operator: string, key: string, value: unknown, codec: StateCodec<unknown>, expiresAt?: number): void {
    this.checkKey(operator, key);
    let bytes: Buffer;
    try {
      bytes = codec.encode(value);
    } catch (error) {
      throw contextual(error, this.scope, operator, key);
    }
    const max = maxStateValueBytes(key);
    if (bytes.length > max) {
      throw new StateValueError(`state value of operator '${operator}' for key '${shown(key)}' is ${bytes.length} bytes encoded (${codec.name}); a changelog record holds at most ${Math.max(0, max)}`, { context: { topology: this.scope.topology, partition: this.scope.partition, operator } });
    }
    entry(this.writes, operator).set(key, { value: bytes, expiresAt });
  }

  delete(operator: string, key: string): void {
    this.checkKey(operator, key);
    entry(this.writes, operator).set(key, null);
  }

  /** Whether each bit is set: by this batch (this layer or an ancestor), else in the store, asked once per call. */
  async testBits(operator: string, bitset: string, offsets: readonly number[]): Promise<boolean[]> {
    const known = entry(this.committed.bits, operator);
    let answered = known.get(bitset);
    if (answered === undefined) known.set(bitset, (answered = new Map()));
    const result = new Array<boolean>(offsets.length);
    let missing: number[] | undefined;
    for (let i = 0; i < offsets.length; i++) {
      const offset = checkOffset(operator, bitset, offsets[i] as number);
      const value = this.isSet(operator, bitset, offset) || answered.get(offset);
      if (value === undefined) (missing ??= []).push(i);
      else result[i] = value;
    }
    if (missing !== undefined) {
      const asked = missing.map((i) => offsets[i] as number);
      const answers = await this.store.testBits(this.scope, operator, bitset, asked);
      for (const [n, i] of missing.entries()) {
        const value = answers[n] as boolean;
        answered.set(asked[n] as number, value);
        // A set by this batch while the store was asked wins over the store's "not set".
        result[i] = value || this.isSet(operator, bitset, asked[n] as number);
      }
    }
    return result;
  }

  setBits(operator: string, bitset: string, offsets: readonly number[]): void {
    const bitsets = entry(this.sets, operator);
    let own = bitsets.get(bitset);
    if (own === undefined) bitsets.set(bitset, (own = new Set()));
    for (const offset of offsets) own.add(checkOffset(operator, bitset, offset));
  }

  /** This layer's changes: one per written key, one per bitset with the offsets it set. */
  mutations(): StateMutation[] {
    const mutations: StateMutation[] = [];
    for (const [operator, writes] of this.writes) {
      for (const [key, write] of writes) {
        if (write === null) mutations.push({ kind: 'delete', operator, key });
        else if (write.expiresAt === undefined) mutations.push({ kind: 'put', operator, key, value: write.value });
        else mutations.push({ kind: 'put', operator, key, value: write.value, expiresAt: write.expiresAt });
      }
    }
    for (const [operator, bitsets] of this.sets) {
      for (const [name, offsets] of bitsets) if (offsets.size > 0) mutations.push({ kind: 'bits', operator, key: name, offsets: [...offsets] });
    }
    return mutations;
  }

  private checkKey(operator: string, key: string): void {
    if (isReservedStateKey(key)) throw new TypeError(`operator '${operator}': state keys may not start with U+0000 (reserved for the changelog's own records)`);
    // A key's changelog record must fit, even a tombstone's: at most 3 bytes a character, a megabyte of text fits.
    if (key.length > maxKeyLength) throw new StateValueError(`operator '${operator}': state key '${shown(key)}' is longer than ${maxKeyLength} characters`, { context: { topology: this.scope.topology, partition: this.scope.partition, operator } });
  }

  /** This layer's or an ancestor's uncommitted write: undefined when untouched. */
  private written(operator: string, key: string): Write | undefined {
    const own = this.writes.get(operator)?.get(key);
    if (own !== undefined) return own;
    return this.parent?.written(operator, key);
  }

  private isSet(operator: string, bitset: string, offset: number): boolean {
    return this.sets.get(operator)?.get(bitset)?.has(offset) === true || (this.parent?.isSet(operator, bitset, offset) ?? false);
  }

  private async readCommitted(operator: string, key: string): Promise<Buffer | undefined> {
    const reads = entry(this.committed.values, operator);
    if (reads.has(key)) return reads.get(key);
    const bytes = await this.store.get(this.scope, operator, key);
    reads.set(key, bytes);
    return bytes;
  }
}

/**
 * Keyed state of one operator over whichever overlay `current` returns when it is called: the engine's context, whose
 * batch (and fork) changes from record to record. A Bitset it hands out may be kept across batches.
 */
export function keyedState(current: () => BatchOverlay, operator: string, codec: StateCodec<unknown>, now: () => number): KeyedState {
  const bitsets = new Map<string, Bitset>();
  return {
    get: (key) => current().get(operator, key, codec, now),
    put(key, value, options) {
      const ttlMs = options?.ttlMs;
      if (ttlMs !== undefined && !(ttlMs > 0 && Number.isFinite(ttlMs))) throw new RangeError(`operator '${operator}' put key '${shown(key)}' with ttlMs ${ttlMs}: a TTL is a positive number of milliseconds`);
      current().put(operator, key, value, codec, ttlMs === undefined ? undefined : now() + ttlMs);
    },
    delete: (key) => current().delete(operator, key),
    bits(name) {
      let bitset = bitsets.get(name);
      if (bitset === undefined) {
        bitset = { test: (offsets) => current().testBits(operator, name, offsets), set: (offsets) => current().setBits(operator, name, offsets) };
        bitsets.set(name, bitset);
      }
      return bitset;
    },
  };
}

function entry<T>(map: ByOperator<T>, operator: string): Map<string, T> {
  let inner = map.get(operator);
  if (inner === undefined) map.set(operator, (inner = new Map()));
  return inner;
}


function checkOffset(operator: string, bitset: string, offset: number): number {
  if (!(Number.isInteger(offset) && offset >= 0 && offset < maxBitsetBits)) throw new RangeError(`operator '${operator}', bitset '${bitset}': bit offset ${offset} is not an integer from 0 to 2^32 - 1`);
  return offset;
}

/** A codec's error with the operator and key it was about; a StateValueError keeps its class (not worth a retry). */
function contextual(error: unknown, scope: PartitionScope, operator: string, key: string): Error {
  const message = `state of operator '${operator}', key '${shown(key)}': ${error instanceof Error ? error.message : String(error)}`;
  const context = { topology: scope.topology, partition: scope.partition, operator };
  if (error instanceof StateValueError) return new StateValueError(message, { cause: error, context });
  if (error instanceof TypeError) return new TypeError(message, { cause: error });
  return new StateValueError(message, { cause: error, context });
}

/** A key as error messages show it: whole up to 200 characters. */
function shown(key: string): string {
  return key.length <= 200 ? key : `${key.slice(0, 200)}… (${key.length} characters)`;
}
