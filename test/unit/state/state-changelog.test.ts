import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordBatchOverhead, recordSize } from '../../../connectors/output-records.js';
import { addChangelogRecord, changelogMaxMessageBytes, changelogMessages, expiresAtHeader, maxStateValueBytes, packBitOffsets, unpackBitOffsets, type ChangelogTail } from '../../../contracts/state-changelog.js';
import type { StateMutation } from '../../../contracts/state.js';

const emptyTail = (): ChangelogTail => ({ values: new Map(), bits: new Map(), lastOffset: undefined });

/** Writes the mutations of batches as the sink does and reads the records back as recovery does. */
function roundTrip(batches: readonly { nextOffset: string; mutations: StateMutation[] }[]): ChangelogTail {
  const tail = emptyTail();
  for (const { nextOffset, mutations } of batches) {
    for (const mutation of mutations) {
      for (const message of changelogMessages(mutation, nextOffset)) addChangelogRecord(tail, message.key, message.value, message.headers?.[expiresAtHeader]);
    }
  }
  return tail;
}

test('puts, deletes and TTLs: the last record of each key wins, its expiry travels in a header', () => {
  const tail = roundTrip([
    { nextOffset: '5', mutations: [{ kind: 'put', operator: 'op', key: 'a', value: Buffer.from([1]) }, { kind: 'put', operator: 'op', key: 'b', value: Buffer.from([2]), expiresAt: 1_700_000_000_000 }] },
    { nextOffset: '9', mutations: [{ kind: 'delete', operator: 'op', key: 'a' }, { kind: 'put', operator: 'op', key: 'c', value: Buffer.from([0, 255]) }] },
  ]);
  assert.deepEqual(tail.values, new Map([['a', null], ['b', { value: Buffer.from([2]), expiresAt: 1_700_000_000_000 }], ['c', { value: Buffer.from([0, 255]) }]]));
  assert.deepEqual(changelogMessages({ kind: 'put', operator: 'op', key: 'b', value: Buffer.from([2]), expiresAt: 42 }, '1'), [{ key: 'b', value: Buffer.from([2]), headers: { 'weir.expires-at': '42' } }]);
  assert.deepEqual(changelogMessages({ kind: 'delete', operator: 'op', key: 'a' }, '1'), [{ key: 'a', value: null }]);
});

test('bits: one record per batch and bitset, keyed by the batch so compaction keeps them all; offsets accumulate', () => {
  const batches = [
    { nextOffset: '5', mutations: [{ kind: 'bits', operator: 'op', key: 'bloom', offsets: [1, 2] }, { kind: 'bits', operator: 'op', key: 'a:b:c', offsets: [7] }] as StateMutation[] },
    { nextOffset: '9', mutations: [{ kind: 'bits', operator: 'op', key: 'bloom', offsets: [2, 4_294_967_295] }] as StateMutation[] },
  ];
  const keys = batches.flatMap(({ nextOffset, mutations }) => mutations.flatMap((mutation) => changelogMessages(mutation, nextOffset).map((message) => message.key)));
  assert.deepEqual(keys, ['\u0000bits:5:0:bloom', '\u0000bits:5:0:a:b:c', '\u0000bits:9:0:bloom']);
  const tail = roundTrip(batches);
  assert.deepEqual(tail.bits, new Map([['bloom', [1, 2, 2, 4_294_967_295]], ['a:b:c', [7]]]), 'a bitset name may hold colons');
  assert.equal(tail.values.size, 0);
});

test('bits: offsets that do not fit one record are split, each record within the changelog limit', () => {
  const offsets = Array.from({ length: 3_000_000 }, (_, i) => i * 3);
  const messages = changelogMessages({ kind: 'bits', operator: 'op', key: 'bloom', offsets }, '123456789');
  assert.equal(messages.length, 2);
  assert.deepEqual(messages.map((message) => message.key), ['\u0000bits:123456789:0:bloom', '\u0000bits:123456789:1:bloom']);
  for (const message of messages) assert.ok(recordBatchOverhead + recordSize(message) <= changelogMaxMessageBytes, `${recordSize(message)} bytes fit`);
  const tail = emptyTail();
  for (const message of messages) addChangelogRecord(tail, message.key, message.value, undefined);
  assert.deepEqual(tail.bits.get('bloom'), offsets);
});

test('the largest value a key can hold makes a record within the changelog limit', () => {
  const key = 'stream-42';
  const message = changelogMessages({ kind: 'put', operator: 'op', key, value: Buffer.alloc(maxStateValueBytes(key)), expiresAt: 1_700_000_000_000 }, '1')[0];
  assert.ok(message !== undefined && recordBatchOverhead + recordSize(message) <= changelogMaxMessageBytes);
});

test('packed offsets: a tag byte, then u32 little-endian; another tag is refused', () => {
  const packed = packBitOffsets([1, 256, 4_294_967_295]);
  assert.deepEqual([...packed], [1, 1, 0, 0, 0, 0, 1, 0, 0, 255, 255, 255, 255]);
  const into = [9];
  unpackBitOffsets(packed, into);
  assert.deepEqual(into, [9, 1, 256, 4_294_967_295]);
  assert.deepEqual(packBitOffsets([5, 6, 7], 1, 2), Buffer.from([1, 6, 0, 0, 0]));
  assert.throws(() => unpackBitOffsets(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0]), []), /tag 2/);
});
