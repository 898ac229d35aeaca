import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpstreamWatermarks } from '../../engine/upstream-watermarks.js';

test('the downstream watermark is the minimum over the upstream partitions; a silent one holds it back', () => {
  const watermarks = new UpstreamWatermarks(3);
  watermarks.observe(0, 100);
  watermarks.observe(2, 50);
  assert.equal(watermarks.value, Number.NEGATIVE_INFINITY, 'partition 1 has not reported');
  watermarks.observe(1, 70);
  assert.equal(watermarks.value, 50);
  watermarks.observe(2, 40);
  assert.equal(watermarks.value, 50, 'never back');
  watermarks.observe(2, 200);
  assert.equal(watermarks.value, 70);
});

test('a snapshot restores the same view', () => {
  const watermarks = new UpstreamWatermarks(2);
  watermarks.observe(0, 10);
  watermarks.observe(1, 20);
  const restored = new UpstreamWatermarks(2, watermarks.snapshot());
  assert.equal(restored.value, 10);
  assert.deepEqual(restored.snapshot(), { 0: 10, 1: 20 });
});
