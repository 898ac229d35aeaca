import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignWindows, sessionsMerge } from '../../operators/window-assigner.js';

test('tumbling: one window, aligned to the epoch, half-open', () => {
  assert.deepEqual(assignWindows({ type: 'tumbling', sizeMs: 30_000 }, 65_000), [{ start: 60_000, end: 90_000 }]);
  assert.deepEqual(assignWindows({ type: 'tumbling', sizeMs: 30_000 }, 90_000), [{ start: 90_000, end: 120_000 }], 'the end belongs to the next window');
  assert.deepEqual(assignWindows({ type: 'tumbling', sizeMs: 1_000 }, -1), [{ start: -1_000, end: 0 }], 'before the epoch too');
});

test('hopping: every window that contains the time, oldest first', () => {
  assert.deepEqual(assignWindows({ type: 'hopping', sizeMs: 10, advanceMs: 5 }, 12), [
    { start: 5, end: 15 },
    { start: 10, end: 20 },
  ]);
  assert.deepEqual(assignWindows({ type: 'hopping', sizeMs: 10, advanceMs: 5 }, 15), [
    { start: 10, end: 20 },
    { start: 15, end: 25 },
  ]);
  assert.deepEqual(assignWindows({ type: 'hopping', sizeMs: 9, advanceMs: 3 }, 9).length, 3);
  assert.throws(() => assignWindows({ type: 'hopping', sizeMs: 5, advanceMs: 10 }, 1), /advanceMs 10 exceeds sizeMs 5/);
});

test('session: a record opens [t, t + gap); sessions that touch merge', () => {
  assert.deepEqual(assignWindows({ type: 'session', gapMs: 100 }, 1_000), [{ start: 1_000, end: 1_100 }]);
  assert.equal(sessionsMerge({ start: 0, end: 100 }, { start: 100, end: 200 }), true);
  assert.equal(sessionsMerge({ start: 0, end: 100 }, { start: 101, end: 200 }), false);
});
