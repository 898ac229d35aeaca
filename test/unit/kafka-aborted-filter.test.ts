import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

/**
 * The read_committed filter of the Kafka client Weir ships (kafkajs, patched in patches/): aborted transactions
 * arrive in abort-marker order, and every one that has started at a record's offset must hide its records.
 */

type Message = { offset: string; key: Buffer | null; batchContext: { producerId: string; inTransaction: boolean } };
const filterAbortedMessages = createRequire(import.meta.url)('kafkajs/src/consumer/filterAbortedMessages.js') as (input: {
  messages: Message[];
  abortedTransactions: { firstOffset: string; producerId: string }[];
}) => Message[];

const abortMarker = Buffer.from([0, 0, 0, 0]);
const record = (offset: number, producerId: string, key: Buffer | null = Buffer.from('k')): Message => ({ offset: String(offset), key, batchContext: { producerId, inTransaction: true } });

test('records of every started aborted transaction are dropped, whatever the order of the list', () => {
  // A writes 0-1, B 2-3, C 4-5, A 6-8; aborts B (9), C (10), A (11); D commits 12-14.
  const messages = [record(0, 'A'), record(1, 'A'), record(2, 'B'), record(3, 'B'), record(4, 'C'), record(5, 'C'), record(6, 'A'), record(7, 'A'), record(8, 'A'), record(9, 'B', abortMarker), record(10, 'C', abortMarker), record(11, 'A', abortMarker), record(12, 'D'), record(13, 'D'), record(14, 'D')];
  const abortedTransactions = [
    { firstOffset: '2', producerId: 'B' },
    { firstOffset: '4', producerId: 'C' },
    { firstOffset: '0', producerId: 'A' },
  ];
  const kept = filterAbortedMessages({ messages, abortedTransactions }).filter((message) => message.key !== abortMarker);
  assert.deepEqual(kept.map((message) => message.offset), ['12', '13', '14']);
});

test('a producer aborted, then committing again, has its later records kept', () => {
  const messages = [record(0, 'A'), record(1, 'A', abortMarker), record(2, 'A'), record(3, 'A')];
  const kept = filterAbortedMessages({ messages, abortedTransactions: [{ firstOffset: '0', producerId: 'A' }] }).filter((message) => message.key !== abortMarker);
  assert.deepEqual(kept.map((message) => message.offset), ['2', '3']);
});

test('non-transactional records of an aborted producer id are kept', () => {
  const messages = [{ ...record(0, 'A'), batchContext: { producerId: 'A', inTransaction: false } }];
  assert.equal(filterAbortedMessages({ messages, abortedTransactions: [{ firstOffset: '0', producerId: 'A' }] }).length, 1);
});
