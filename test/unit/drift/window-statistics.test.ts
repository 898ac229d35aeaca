import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncompatibleWindowsError, VectorRejectedError, WindowStatisticsCodecError } from '../../../drift/errors.js';
import { WindowStatistics, windowSeedKey } from '../../../drift/window-statistics.js';

function filled(count: number, options: { dimension?: number; reservoirSize?: number; seed?: string; first?: number } = {}): WindowStatistics {
  const { dimension = 3, reservoirSize = 8, seed = 'w', first = 0 } = options;
  const stats = WindowStatistics.create({ dimension, reservoirSize, seed });
  for (let i = first; i < first + count; i++) stats.add(Array.from({ length: dimension }, (_, k) => i + k / 10));
  return stats;
}

/** The item ids held in a reservoir of 1-d windows whose vectors are [id]. */
function ids(stats: WindowStatistics): number[] {
  return Array.from(stats.reservoir).sort((a, b) => a - b);
}

/** Pearson's χ² of observed counts against one expected count. */
function chiSquare(observed: number[], expected: number): number {
  return observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
}

test('count, sum and mean follow the vectors added', () => {
  const stats = WindowStatistics.create({ dimension: 2, seed: 's' });
  stats.add([1, 2]);
  stats.add(new Float32Array([3, -4]));
  assert.equal(stats.count, 2);
  assert.deepEqual(Array.from(stats.sum), [4, -2]);
  assert.deepEqual(Array.from(stats.mean()), [2, -1]);
  assert.deepEqual(Array.from(WindowStatistics.create({ dimension: 2, seed: 's' }).mean()), [0, 0]);
});

test('a vector of another dimension is refused with a typed error and changes nothing', () => {
  const stats = filled(2);
  const before = stats.encode();
  assert.throws(
    () => stats.add([1, 2]),
    (error: unknown) => error instanceof VectorRejectedError && error.reason === 'dimension-mismatch' && /2 components.*3-dimensional/.test(error.message),
  );
  assert.throws(
    () => stats.add([1, Number.NaN, 3]),
    (error: unknown) => error instanceof VectorRejectedError && error.reason === 'non-finite-component' && error.component === 1,
  );
  assert.deepEqual(stats.encode(), before);
});

test('the reservoir keeps every vector until it is full, then exactly R', () => {
  const stats = WindowStatistics.create({ dimension: 1, reservoirSize: 4, seed: 'fill' });
  for (let i = 0; i < 3; i++) stats.add([i]);
  assert.deepEqual(ids(stats), [0, 1, 2]);
  for (let i = 3; i < 50; i++) stats.add([i]);
  assert.equal(stats.sampleCount, 4);
  assert.equal(new Set(ids(stats)).size, 4);
});

test('the reservoir is a pure function of the seed key and the vectors', () => {
  const key = windowSeedKey('acme', 'clip@3', 1_700_000_000_000);
  const a = filled(500, { dimension: 1, reservoirSize: 16, seed: key });
  const b = filled(500, { dimension: 1, reservoirSize: 16, seed: key });
  const c = filled(500, { dimension: 1, reservoirSize: 16, seed: windowSeedKey('acme', 'clip@3', 1_700_000_060_000) });
  assert.deepEqual(ids(a), ids(b));
  assert.notDeepEqual(ids(a), ids(c));
  assert.notEqual(windowSeedKey('a|b', 'c', 1), windowSeedKey('a', 'b|c', 1));
});

test('Algorithm R includes every item with probability R/n', () => {
  // n just above R shows an off-by-one in the replacement draw; n = 10 R shows a drift along the stream.
  // Critical values: χ² 99.9th percentiles are 36.1 (14 degrees of freedom) and 148.2 (99).
  for (const { n, reservoirSize, trials, limit } of [
    { n: 15, reservoirSize: 10, trials: 3000, limit: 40 },
    { n: 100, reservoirSize: 10, trials: 2000, limit: 150 },
  ]) {
    const inclusions = new Array<number>(n).fill(0);
    for (let t = 0; t < trials; t++) for (const id of ids(filled(n, { dimension: 1, reservoirSize, seed: `trial-${n}-${t}` }))) inclusions[id]!++;
    assert.ok(chiSquare(inclusions, (trials * reservoirSize) / n) < limit, `n ${n}: inclusion counts are not uniform: ${inclusions.join(' ')}`);
  }
});

test('merge adds counts and sums exactly and leaves the other window unchanged', () => {
  const a = filled(30, { seed: 'a' });
  const b = filled(20, { seed: 'b', first: 100 });
  const bBefore = b.encode();
  const expectedSum = Array.from(a.sum, (x, i) => x + b.sum[i]!);
  a.merge(b);
  assert.equal(a.count, 50);
  assert.deepEqual(Array.from(a.sum), expectedSum);
  assert.equal(a.sampleCount, 8);
  assert.deepEqual(b.encode(), bBefore);
});

test('merging windows that fit in the reservoir keeps all their vectors', () => {
  const a = filled(3, { dimension: 1, seed: 'a' });
  a.merge(filled(4, { dimension: 1, seed: 'b', first: 10 }));
  assert.deepEqual(ids(a), [0, 1, 2, 10, 11, 12, 13]);
});

test('a merged reservoir is a uniform sample of the union', () => {
  const trials = 2000;
  const inclusions = new Array<number>(100).fill(0);
  for (let t = 0; t < trials; t++) {
    const a = filled(70, { dimension: 1, reservoirSize: 10, seed: `a-${t}` });
    a.merge(filled(30, { dimension: 1, reservoirSize: 10, seed: `b-${t}`, first: 70 }));
    for (const id of ids(a)) inclusions[id]!++;
  }
  assert.ok(chiSquare(inclusions, (trials * 10) / 100) < 150, `inclusion counts are not uniform: ${inclusions.join(' ')}`);
  const fromA = inclusions.slice(0, 70).reduce((s, x) => s + x, 0) / (trials * 10);
  assert.ok(Math.abs(fromA - 0.7) < 0.02, `share of the merged sample from the first window: ${fromA}`);
});

test('windows of another dimension or reservoir size cannot be merged', () => {
  assert.throws(() => filled(2).merge(filled(2, { dimension: 4 })), IncompatibleWindowsError);
  assert.throws(() => filled(2).merge(filled(2, { reservoirSize: 4 })), IncompatibleWindowsError);
});

test('the codec round-trips empty, partly filled, full and reservoir-less windows', () => {
  for (const stats of [filled(0), filled(5), filled(100), filled(100, { reservoirSize: 0 })]) {
    const bytes = stats.encode();
    assert.equal(bytes.byteLength, stats.encodedSize);
    const back = WindowStatistics.decode(bytes);
    assert.equal(back.count, stats.count);
    assert.equal(back.dimension, stats.dimension);
    assert.equal(back.reservoirCapacity, stats.reservoirCapacity);
    assert.deepEqual(back.sum, stats.sum);
    assert.deepEqual(back.reservoir, new Float32Array(stats.reservoir));
    assert.deepEqual(back.encode(), bytes);
  }
  assert.equal(filled(100).encodedSize, 40 + 8 * 3 + 4 * 8 * 3);
});

test('a restored window continues exactly like the one that was never saved', () => {
  const live = filled(300, { reservoirSize: 16, seed: 'replay' });
  const restored = WindowStatistics.decode(live.encode());
  for (let i = 300; i < 600; i++) {
    const v = [i, -i, i / 7];
    live.add(v);
    restored.add(v);
  }
  assert.deepEqual(restored.encode(), live.encode());
});

test('decoding refuses bytes that are not window statistics, naming why', () => {
  const bytes = filled(10).encode();
  const fails = (input: Uint8Array, reason: string): void => {
    assert.throws(
      () => WindowStatistics.decode(input),
      (error: unknown) => error instanceof WindowStatisticsCodecError && error.reason === reason,
    );
  };
  fails(bytes.subarray(0, 10), 'truncated');
  fails(bytes.subarray(0, bytes.length - 4), 'truncated');
  fails(Buffer.concat([bytes, Buffer.alloc(4)]), 'inconsistent');
  fails(Buffer.from(bytes).fill(0x58, 0, 1), 'bad-magic');
  fails(Buffer.from(bytes).fill(2, 2, 3), 'unsupported-version');
  const wrongCount = Buffer.from(bytes);
  wrongCount.writeDoubleLE(3, 16);
  fails(wrongCount, 'inconsistent');
});
