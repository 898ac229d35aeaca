import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkReorderBuffer, type OrderedInput } from '../../../audio/chunk-reorder.js';

const chunk = (seq: number): Int16Array => Int16Array.of(seq, seq + 1000);

/** Compact view of the events: 'c3' chunk 3, 'g1-4' seqs 1..3 given up, 'l2' late, 'd5' duplicate. */
function show(events: OrderedInput[]): string[] {
  return events.map((e) => {
    if (e.kind === 'chunk') {
      assert.deepEqual(e.pcm, chunk(e.seq));
      return `c${e.seq}`;
    }
    if (e.kind === 'gap') return `g${e.fromSeq}-${e.toSeq}`;
    return `${e.reason === 'late' ? 'l' : 'd'}${e.seq}`;
  });
}

const pushAll = (buffer: ChunkReorderBuffer, seqs: number[]): string[] => seqs.flatMap((seq) => show(buffer.push(seq, chunk(seq))));

test('in-order chunks pass straight through', () => {
  assert.deepEqual(pushAll(new ChunkReorderBuffer(), [0, 1, 2, 3]), ['c0', 'c1', 'c2', 'c3']);
});

test('chunks overtaken by fewer than windowChunks others are put back in order', () => {
  const buffer = new ChunkReorderBuffer({ windowChunks: 3 });
  assert.deepEqual(pushAll(buffer, [1, 0, 3, 4, 2, 5]), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  assert.equal(buffer.expectedSeq, 6);
});

test('a chunk missing when windowChunks later ones have come is given up as a gap', () => {
  const buffer = new ChunkReorderBuffer({ windowChunks: 3, chunkSamples: 100 });
  assert.deepEqual(pushAll(buffer, [0, 2, 3]), ['c0']);
  const events = buffer.push(4, chunk(4));
  assert.deepEqual(show(events), ['g1-2', 'c2', 'c3', 'c4']);
  assert.deepEqual(events[0], { kind: 'gap', fromSeq: 1, toSeq: 2, missingSamples: 100 });
  assert.deepEqual(pushAll(buffer, [1, 4]), ['l1', 'l4']);
});

test('a jump far ahead gives up only what is outside the window and keeps waiting for the rest', () => {
  const buffer = new ChunkReorderBuffer({ windowChunks: 3 });
  assert.deepEqual(pushAll(buffer, [0, 10]), ['c0', 'g1-8']);
  assert.deepEqual(pushAll(buffer, [9, 9, 8]), ['d9', 'c8', 'c9', 'c10']);
});

test('windowChunks 1 holds nothing', () => {
  assert.deepEqual(pushAll(new ChunkReorderBuffer({ windowChunks: 1 }), [0, 2, 1, 3]), ['c0', 'g1-2', 'c2', 'l1', 'c3']);
});

test('flush releases the held chunks with the missing ones as gaps', () => {
  const buffer = new ChunkReorderBuffer({ windowChunks: 5 });
  assert.deepEqual(pushAll(buffer, [0, 2, 4]), ['c0']);
  assert.deepEqual(show(buffer.flush()), ['g1-2', 'c2', 'g3-4', 'c4']);
  assert.deepEqual(show(buffer.flush()), []);
});

test('the state round-trips through its binary form, held chunks included', () => {
  const buffer = new ChunkReorderBuffer({ windowChunks: 4, chunkSamples: 480 });
  pushAll(buffer, [0, 1, 3, 5]);
  const restored = ChunkReorderBuffer.restore(buffer.toBuffer());
  assert.deepEqual(restored.options, { windowChunks: 4, chunkSamples: 480 });
  assert.equal(restored.expectedSeq, 2);
  assert.deepEqual(pushAll(restored, [2, 4]), ['c2', 'c3', 'c4', 'c5']);
  assert.throws(() => ChunkReorderBuffer.restore(buffer.toBuffer().subarray(0, 12)), /truncated/);
});

test('bad options and seqs are refused with what was expected', () => {
  assert.throws(() => new ChunkReorderBuffer({ windowChunks: 0 }), /windowChunks must be an integer in \[1, 65535\], got 0/);
  assert.throws(() => new ChunkReorderBuffer({ chunkSamples: 1.5 }), /chunkSamples must be a positive integer/);
  assert.throws(() => new ChunkReorderBuffer().push(-1, chunk(0)), /seq must be a non-negative integer, got -1/);
});
