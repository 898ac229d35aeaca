import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { chunks } from '../../connectors/kafka-source.js';

/** How a fetched batch is cut into commits: at most `maxRecords` records and `maxBytes` bytes of keys and values each. */

const message = (offset: number, valueBytes: number, keyBytes = 0): KafkaMessage =>
  ({ offset: String(offset), key: keyBytes === 0 ? null : Buffer.alloc(keyBytes), value: Buffer.alloc(valueBytes), timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

const sizes = (cut: KafkaMessage[][]): number[] => cut.map((chunk) => chunk.length);

test('cuts at the record bound', () => {
  const messages = Array.from({ length: 1234 }, (_, offset) => message(offset, 10));
  const cut = [...chunks(messages, 500, 1 << 20)];
  assert.deepEqual(sizes(cut), [500, 500, 234]);
  assert.deepEqual(cut.flat().map((m) => m.offset), messages.map((m) => m.offset), 'in order, nothing lost');
});

test('cuts at the byte bound, counting keys and values', () => {
  const messages = Array.from({ length: 10 }, (_, offset) => message(offset, 300, 100));
  assert.deepEqual(sizes([...chunks(messages, 500, 1_000)]), [2, 2, 2, 2, 2]);
});

test('a record larger than the byte bound is a chunk of its own', () => {
  const messages = [message(0, 10), message(1, 5_000), message(2, 10)];
  assert.deepEqual(sizes([...chunks(messages, 500, 1_000)]), [1, 1, 1]);
});

test('no messages, no chunks', () => {
  assert.deepEqual([...chunks([], 500, 1_000)], []);
});
