import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncompatibleWindowsError, ScoreUndefinedError } from '../../../drift/errors.js';
import { medianInPlace } from '../../../drift/median.js';
import { Prng } from '../../../drift/prng.js';
import { cosineDistance, DriftScorer, meanCosineScore, MmdScorer } from '../../../drift/scores.js';
import { WindowStatistics } from '../../../drift/window-statistics.js';

function windowOf(vectors: number[][], reservoirSize = 16): WindowStatistics {
  const stats = WindowStatistics.create({ dimension: vectors[0]!.length, reservoirSize, seed: 'score' });
  for (const v of vectors) stats.add(v);
  return stats;
}

const close = (actual: number, expected: number, tolerance = 1e-12): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);
};

test('mean-cosine is 1 − cos of the window means', () => {
  // Means (1/2, 1/2) and (2/3, 1/3): cos = (2 + 1) / (√2 · √5).
  close(meanCosineScore(windowOf([[1, 0], [0, 1]]), windowOf([[1, 0], [1, 0], [0, 1]])), 1 - 3 / Math.sqrt(10));
  close(meanCosineScore(windowOf([[1, 0]]), windowOf([[0, 2]])), 1);
  close(meanCosineScore(windowOf([[1, 1]]), windowOf([[-3, -3]])), 2);
  assert.equal(meanCosineScore(windowOf([[2, 1], [0, 1]]), windowOf([[1, 1]])), 0);
});

test('mean-cosine is undefined for an empty window or a zero mean', () => {
  const empty = WindowStatistics.create({ dimension: 2, seed: 'e' });
  assert.throws(() => meanCosineScore(empty, windowOf([[1, 0]])), (e: unknown) => e instanceof ScoreUndefinedError && e.reason === 'empty-window');
  assert.throws(() => meanCosineScore(windowOf([[1, 0], [-1, 0]]), windowOf([[1, 0]])), (e: unknown) => e instanceof ScoreUndefinedError && e.reason === 'zero-mean');
  assert.throws(() => cosineDistance([1, 0], [1, 0, 0]), IncompatibleWindowsError);
});

test('mmd is the unbiased RBF MMD² with the median heuristic, on hand-computed samples', () => {
  const scorer = new MmdScorer();
  // x = {0, 1}, y = {2, 3}: squared distances 1, 4, 9, 1, 4, 1 → median (1 + 4)/2 = 2.5, k = exp(−D/5).
  // MMD² = e^−0.2 + e^−0.2 − (2/4)(e^−0.8 + e^−1.8 + e^−0.2 + e^−0.8).
  const apart = scorer.estimate(new Float32Array([0, 1]), 2, new Float32Array([2, 3]), 2, 1);
  assert.equal(apart.bandwidth2, 2.5);
  close(apart.mmd2, 1.5 * Math.exp(-0.2) - Math.exp(-0.8) - 0.5 * Math.exp(-1.8));
  // x = y = {0, 1}: squared distances 1, 0, 1, 1, 0, 1 → median 1, k = exp(−D/2); the unbiased
  // estimate is e^−0.5 + e^−0.5 − (2/4)(2 + 2e^−0.5) = e^−0.5 − 1 < 0.
  const same = scorer.estimate(new Float32Array([0, 1]), 2, new Float32Array([0, 1]), 2, 1);
  assert.equal(same.bandwidth2, 1);
  close(same.mmd2, Math.exp(-0.5) - 1);
  // 2-d, m = 2, n = 3: x = {(0,0), (1,0)}, y = {(0,1), (1,1), (0,0)}.
  // Squared distances: x0x1 1, x0y0 1, x0y1 2, x0y2 0, x1y0 2, x1y1 1, x1y2 1, y0y1 1, y0y2 1, y1y2 2 → median 1.
  const k = (d2: number): number => Math.exp(-d2 / 2);
  const expected = k(1) + (2 * (k(1) + k(1) + k(2))) / 6 - (2 * (k(1) + k(2) + k(0) + k(2) + k(1) + k(1))) / 6;
  close(scorer.estimate(new Float32Array([0, 0, 1, 0]), 2, new Float32Array([0, 1, 1, 1, 0, 0]), 3, 2).mmd2, expected);
});

test('mmd reads the windows reservoirs and gives 0 for identical points', () => {
  const scorer = new DriftScorer();
  assert.equal(scorer.score('mmd', windowOf([[1, 2], [1, 2]]), windowOf([[1, 2], [1, 2], [1, 2]])), 0);
  const x = windowOf([[0], [1]]);
  const y = windowOf([[2], [3]]);
  close(scorer.score('mmd', x, y), 1.5 * Math.exp(-0.2) - Math.exp(-0.8) - 0.5 * Math.exp(-1.8));
  close(scorer.score('mean-cosine', windowOf([[1, 0]]), windowOf([[0, 1]])), 1);
});

test('mmd needs two reservoir samples a side', () => {
  const scorer = new MmdScorer();
  assert.throws(() => scorer.score(windowOf([[1]]), windowOf([[1], [2]])), (e: unknown) => e instanceof ScoreUndefinedError && e.reason === 'too-few-samples');
  assert.throws(() => scorer.score(windowOf([[1], [2]], 0), windowOf([[1], [2]], 0)), /reservoir size 0/);
  assert.throws(() => scorer.score(windowOf([[1], [2]]), windowOf([[1, 2], [2, 1]])), IncompatibleWindowsError);
});

test('mmd does not depend on the dimension being a multiple of the unrolling', () => {
  const prng = Prng.fromKey('unroll');
  for (const d of [1, 3, 5, 7, 9]) {
    const x = new Float32Array(4 * d);
    const y = new Float32Array(5 * d);
    prng.fillGaussian(x);
    prng.fillGaussian(y);
    // Reference: the same formula written out pair by pair.
    const rows = [...Array.from({ length: 4 }, (_, i) => x.subarray(i * d, (i + 1) * d)), ...Array.from({ length: 5 }, (_, i) => y.subarray(i * d, (i + 1) * d))];
    const d2 = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
    const all: number[] = [];
    for (let i = 0; i < 9; i++) for (let j = i + 1; j < 9; j++) all.push(d2(rows[i]!, rows[j]!));
    all.sort((a, b) => a - b);
    const sigma2 = (all[17]! + all[18]!) / 2;
    const k = (i: number, j: number): number => Math.exp(-d2(rows[i]!, rows[j]!) / (2 * sigma2));
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 9; j++) {
        if (i === j) continue;
        if (i < 4 && j < 4) xx += k(i, j);
        else if (i >= 4 && j >= 4) yy += k(i, j);
        else if (i < 4) xy += k(i, j);
      }
    }
    close(new MmdScorer().estimate(x, 4, y, 5, d).mmd2, xx / 12 + yy / 20 - (2 * xy) / 20, 1e-9);
  }
});

test('the median is the middle value, or the mean of the two middle values', () => {
  assert.equal(medianInPlace(new Float64Array([3, 1, 2]), 3), 2);
  assert.equal(medianInPlace(new Float64Array([4, 1, 3, 2]), 4), 2.5);
  assert.equal(medianInPlace(new Float64Array([5, 5, 5, 1]), 4), 5);
  assert.equal(medianInPlace(new Float64Array([7, 9, 0]), 1), 7);
  const prng = Prng.fromKey('median');
  for (const length of [2, 5, 64, 1001, 1000]) {
    const values = Float64Array.from({ length }, () => Math.floor(prng.next() * 50));
    const sorted = Array.from(values).sort((a, b) => a - b);
    const expected = length % 2 ? sorted[(length - 1) / 2]! : (sorted[length / 2 - 1]! + sorted[length / 2]!) / 2;
    assert.equal(medianInPlace(values, length), expected, `length ${length}`);
  }
});
