import type { StateMutation } from './state.js';

/**
 * The changelog record format of operator state, written by the transactional sink and read back by recovery; kept in
 * one place so that writer and reader always agree. Per stateful step and input partition, a compacted topic holds:
 * - a put: key = the state key, value = the bytes its codec wrote, header `weir.expires-at` (epoch ms) when it has a TTL;
 * - a delete: key = the state key, no value (a tombstone);
 * - bits: one record per batch and bitset (more when the offsets fill a record), key `\u0000bits:<next input
 *   offset>:<chunk>:<bitset>` — unique per committed batch, so compaction never merges two batches' bits and a bitset
 *   can be rebuilt from its records alone — value = the offsets, packed (a tag byte, then the format the tag names).
 * State keys never start with U+0000, so no state key can take the place of a bits record under compaction.
 */

/**
 * `max.message.bytes` of the changelog topics Weir creates: above Kafka's 1 MB default, so that a large state value
 * (an audio stream's open segment, a window's reservoir) still fits one record.
 */
export const changelogMaxMessageBytes = 8 * 1_048_576;

/** Room in a changelog record for what is not its key or value: the record batch and record framing, the headers. */
const recordHeadroom = 1_024;

/** Header of a put whose key has a TTL: the absolute expiry, epoch ms, as a decimal string. */
export const expiresAtHeader = 'weir.expires-at';

const bitsKeyPrefix = '\u0000bits:';

/** Packed offsets: tag 1 = unsigned 32-bit little-endian integers, which every offset below maxBitsetBits fits. */
const u32Tag = 1;

/** The largest state value a key can hold: its changelog record must fit `changelogMaxMessageBytes`. */
export function maxStateValueBytes(key: string): number {
  return changelogMaxMessageBytes - recordHeadroom - Buffer.byteLength(key);
}

/** Whether `key` is a changelog record key of Weir's own, which no state key may be. */
export function isReservedStateKey(key: string): boolean {
  return key.charCodeAt(0) === 0;
}

/** A changelog record without its Kafka framing (topic, partition). */
export interface ChangelogMessage {
  readonly key: string;
  readonly value: Buffer | null;
  readonly headers?: Record<string, string>;
}

/** The records of one mutation of a batch that resumes the input at `nextOffset`. */
export function changelogMessages(mutation: StateMutation, nextOffset: string): ChangelogMessage[] {
  switch (mutation.kind) {
    case 'put':
      return [mutation.expiresAt === undefined ? { key: mutation.key, value: mutation.value } : { key: mutation.key, value: mutation.value, headers: { [expiresAtHeader]: String(mutation.expiresAt) } }];
    case 'delete':
      return [{ key: mutation.key, value: null }];
    case 'bits': {
      const messages: ChangelogMessage[] = [];
      // 64 bytes: the offset and chunk number in the key.
      const perRecord = Math.floor((changelogMaxMessageBytes - recordHeadroom - Buffer.byteLength(mutation.key) - 64) / 4);
      for (let start = 0, chunk = 0; start < mutation.offsets.length; start += perRecord, chunk++) {
        messages.push({ key: `${bitsKeyPrefix}${nextOffset}:${chunk}:${mutation.key}`, value: packBitOffsets(mutation.offsets, start, Math.min(start + perRecord, mutation.offsets.length)) });
      }
      return messages;
    }
  }
}

/** A key's last put in a changelog range. */
export interface ChangelogValue {
  readonly value: Buffer;
  readonly expiresAt?: number;
}

/** What a range of one changelog partition says about the state: the data recovery applies. */
export interface ChangelogTail {
  /** Last put (null: delete) per state key. */
  readonly values: Map<string, ChangelogValue | null>;
  /** Per bitset, every offset its bits records set. */
  readonly bits: Map<string, number[]>;
  /** Offset of the last record read, when any was. */
  readonly lastOffset: bigint | undefined;
}

/** Adds one committed changelog record, read in offset order, to a tail. */
export function addChangelogRecord(tail: ChangelogTail, key: string, value: Buffer | null, expiresAt: string | undefined): void {
  const bitset = bitsetOfRecordKey(key);
  if (bitset === undefined) {
    tail.values.set(key, value === null ? null : expiresAt === undefined ? { value } : { value, expiresAt: Number(expiresAt) });
    return;
  }
  if (value === null) return;
  let offsets = tail.bits.get(bitset);
  if (offsets === undefined) tail.bits.set(bitset, (offsets = []));
  unpackBitOffsets(value, offsets);
}

/** The bitset a bits record belongs to, or undefined for a put or delete record. */
function bitsetOfRecordKey(key: string): string | undefined {
  if (!key.startsWith(bitsKeyPrefix)) return undefined;
  const afterOffset = key.indexOf(':', bitsKeyPrefix.length);
  const afterChunk = afterOffset < 0 ? -1 : key.indexOf(':', afterOffset + 1);
  if (afterChunk < 0) throw new TypeError(`changelog record key '${key.slice(1)}' is not a bits record key`);
  return key.slice(afterChunk + 1);
}

/** Offsets `[start, end)` of `offsets` as a tagged, packed buffer. */
export function packBitOffsets(offsets: readonly number[], start = 0, end = offsets.length): Buffer {
  const bytes = Buffer.allocUnsafe(1 + 4 * (end - start));
  bytes[0] = u32Tag;
  for (let i = start, at = 1; i < end; i++, at += 4) bytes.writeUInt32LE(offsets[i] as number, at);
  return bytes;
}

/** Appends the offsets of a packed buffer to `into`. */
export function unpackBitOffsets(bytes: Buffer, into: number[]): void {
  if (bytes[0] !== u32Tag || (bytes.length - 1) % 4 !== 0) throw new TypeError(`packed bit offsets with tag ${bytes[0]} and ${bytes.length} bytes: this code reads tag ${u32Tag} (u32 little-endian)`);
  for (let at = 1; at < bytes.length; at += 4) into.push(bytes.readUInt32LE(at));
}
