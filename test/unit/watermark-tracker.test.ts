import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WatermarkTracker } from '../../engine/watermark-tracker.js';

test('each record sees the watermark of the records before it: event times 10, 5, 20', () => {
  const tracker = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: undefined }, undefined, 0);
  const { seen, end } = tracker.advance([10, 5, 20], 0);
  assert.deepEqual(seen, [Number.NEGATIVE_INFINITY, 10, 10]);
  assert.equal(end, 20);
});

test('out-of-orderness holds the watermark back; it never moves back', () => {
  const tracker = new WatermarkTracker({ maxOutOfOrdernessMs: 5, idleTimeoutMs: undefined }, 100, 0);
  const { seen, end } = tracker.advance([103, 120, 90, 110], 0);
  assert.deepEqual(seen, [100, 100, 115, 115]);
  assert.equal(end, 115);
});

test('nothing moves until the batch commits; an aborted batch leaves no trace', () => {
  const tracker = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: undefined }, 50, 0);
  tracker.advance([70], 0);
  assert.equal(tracker.value, 50);
  assert.deepEqual(tracker.advance([60], 0).seen, [50], 'the aborted 70 is not seen');
  const { end } = tracker.advance([80], 0);
  tracker.commit(end, [80], 0);
  assert.equal(tracker.value, 80);
  assert.deepEqual(tracker.advance([10], 0).seen, [80]);
});

test('an idle partition advances by processing time after the idle timeout', () => {
  const tracker = new WatermarkTracker({ maxOutOfOrdernessMs: 1_000, idleTimeoutMs: 5_000 }, undefined, 0);
  const { end } = tracker.advance([10_000], 0);
  tracker.commit(end, [10_000], 0);
  assert.equal(tracker.idleAdvanced(4_999), 9_000, 'not idle yet');
  assert.equal(tracker.idleAdvanced(7_000), 16_000, 'last event time + 7 s of wall time − allowance');
  const off = new WatermarkTracker({ maxOutOfOrdernessMs: 0, idleTimeoutMs: undefined }, 5, 0);
  assert.equal(off.idleAdvanced(1e9), 5, 'off by default');
});
