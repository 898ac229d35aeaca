import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MIN_RECORDS } from '../../../drift/evaluate-window.js';
import { DEFAULT_THRESHOLDS, driftLevel, type DriftLevel } from '../../../drift/levels.js';
import { DriftScorer } from '../../../drift/scores.js';
import { concentrationForPairwiseCosine, meanCosineForShift, shiftForMeanCosine, stationaryMeanCosine } from '../../../drift/synthetic-embeddings.js';
import { SyntheticStream, type ShiftScenario } from '../../../drift/synthetic-stream.js';
import { WindowStatistics, windowSeedKey } from '../../../drift/window-statistics.js';

/**
 * Detection on synthetic 256-d unit embeddings with a pairwise cosine of 0.3 (drift/synthetic-embeddings.ts),
 * windows of DEFAULT_MIN_RECORDS records: window k holds the records of times [k, k + 1), evenly spread;
 * window 0 is the reference.
 */
const DIMENSION = 256;
const PAIRWISE_COSINE = 0.3;
const WINDOW = DEFAULT_MIN_RECORDS;
const scorer = new DriftScorer();

function windows(scenario: ShiftScenario, count: number, seed: string, options: { records?: number; reservoirSize?: number } = {}): WindowStatistics[] {
  const { records = WINDOW, reservoirSize = 0 } = options;
  const stream = new SyntheticStream({ dimension: DIMENSION, concentration: concentrationForPairwiseCosine(PAIRWISE_COSINE), seed, scenario });
  const vector = new Float32Array(DIMENSION);
  return Array.from({ length: count }, (_, k) => {
    const stats = WindowStatistics.create({ dimension: DIMENSION, reservoirSize, seed: windowSeedKey('t', seed, k) });
    for (let i = 0; i < records; i++) stats.add(stream.sample(k + i / records, vector));
    return stats;
  });
}

function meanCosineLevels(all: WindowStatistics[]): { scores: number[]; levels: DriftLevel[] } {
  const [reference, ...rest] = all;
  const scores = rest.map((current) => scorer.score('mean-cosine', reference!, current));
  return { scores, levels: scores.map((score) => driftLevel(score, DEFAULT_THRESHOLDS)) };
}

test(`stationary embeddings raise no warn over 200 windows of ${WINDOW} records`, () => {
  const { scores, levels } = meanCosineLevels(windows({ kind: 'stationary' }, 201, 'stationary'));
  assert.deepEqual(new Set(levels), new Set(['ok']), `max score ${Math.max(...scores)}`);
  // The scores sit at the predicted noise floor, far below warn.
  const mean = scores.reduce((s, x) => s + x, 0) / scores.length;
  const floor = stationaryMeanCosine(PAIRWISE_COSINE, WINDOW, WINDOW);
  assert.ok(Math.abs(mean / floor - 1) < 0.2, `mean stationary score ${mean}, predicted ${floor}`);
  assert.ok(Math.max(...scores) < DEFAULT_THRESHOLDS.warn / 3, `max stationary score ${Math.max(...scores)}`);
});

test('an abrupt shift reaches critical in the first window after it, and not before', () => {
  // Size 0.6: population score 1 − 1/√1.36 = 0.143. The shift happens in the middle of window 5.
  const { levels } = meanCosineLevels(windows({ kind: 'abrupt', at: 5.5, size: 0.6 }, 10, 'abrupt'));
  assert.deepEqual(levels.slice(0, 4), ['ok', 'ok', 'ok', 'ok'], 'windows 1–4');
  assert.deepEqual(levels.slice(5), ['critical', 'critical', 'critical', 'critical'], 'windows 6–9');
});

test('a shift just past the critical threshold is critical at once; one just under warn stays ok', () => {
  const after = (size: number): DriftLevel[] => meanCosineLevels(windows({ kind: 'abrupt', at: 1, size }, 6, `size-${size}`)).levels;
  // The noise floor (0.012 here) adds to the score: aim 0.02 past each threshold, not at it.
  assert.deepEqual(new Set(after(shiftForMeanCosine(0.12))), new Set(['critical']));
  assert.deepEqual(new Set(after(shiftForMeanCosine(0.04))), new Set(['ok']));
});

test('a gradual shift crosses warn, then critical, in order and near where the population score does', () => {
  // The shift grows by 0.02 a window from time 1 (the start of window 1).
  const slope = 0.02;
  const { levels } = meanCosineLevels(windows({ kind: 'gradual', start: 1, slope }, 36, 'gradual'));
  const firstWarn = levels.findIndex((l) => l !== 'ok') + 1;
  const firstCritical = levels.indexOf('critical') + 1;
  assert.equal(levels[firstWarn - 1], 'warn', `the first window that is not ok is ${levels[firstWarn - 1]}`);
  assert.ok(firstWarn < firstCritical, `warn at window ${firstWarn}, critical at ${firstCritical}`);
  assert.deepEqual(new Set(levels.slice(firstCritical)), new Set(['critical']), 'stays critical once the shift has grown past it');
  // Window k's mean sits at time k + 0.5, where the shift is slope × (k − 0.5); the noise floor adds
  // to the population score, so the level changes where the population score reaches threshold − floor.
  const floor = stationaryMeanCosine(PAIRWISE_COSINE, WINDOW, WINDOW);
  const predicted = (threshold: number): number => 0.5 + shiftForMeanCosine(threshold - floor) / slope;
  assert.ok(Math.abs(firstWarn - predicted(DEFAULT_THRESHOLDS.warn)) <= 2, `warn at window ${firstWarn}, predicted ${predicted(DEFAULT_THRESHOLDS.warn)}`);
  assert.ok(Math.abs(firstCritical - predicted(DEFAULT_THRESHOLDS.critical)) <= 2, `critical at window ${firstCritical}, predicted ${predicted(DEFAULT_THRESHOLDS.critical)}`);
});

test('mmd sees an abrupt shift the stationary windows do not show', () => {
  const stationary = windows({ kind: 'stationary' }, 2, 'mmd-stationary', { records: 1000, reservoirSize: 256 });
  const shifted = windows({ kind: 'abrupt', at: 1, size: 0.6 }, 2, 'mmd-shift', { records: 1000, reservoirSize: 256 });
  const quiet = scorer.score('mmd', stationary[0]!, stationary[1]!);
  const moved = scorer.score('mmd', shifted[0]!, shifted[1]!);
  assert.ok(Math.abs(quiet) < 0.003, `stationary mmd ${quiet}`);
  assert.ok(moved > 0.025, `mmd after a shift of 0.6 (mean-cosine ${meanCosineForShift(0.6).toFixed(3)}): ${moved}`);
});
