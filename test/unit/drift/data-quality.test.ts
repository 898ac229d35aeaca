import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataQualityAccumulator, DEFAULT_DATA_QUALITY_THRESHOLDS } from '../../../drift/data-quality.js';
import { DriftConfigError, DriftStateError } from '../../../drift/errors.js';

const HOUR = 3_600_000;
const fields = ['tenant', 'vector'];

test('an empty accumulator has no data for any figure', () => {
  const summary = new DataQualityAccumulator(fields).summary();
  assert.deepEqual(summary, {
    total: 0,
    accepted: 0,
    validity: { value: null, level: 'no-data' },
    completeness: { tenant: { value: null, level: 'no-data' }, vector: { value: null, level: 'no-data' } },
    timeliness: { lag_ms: null, level: 'no-data' },
    level: 'no-data',
  });
});

test('validity is accepted / total: ok above 97 %, critical below 94 %, warn between (bounds included)', () => {
  const level = (accepted: number, total = 100): string => {
    const q = new DataQualityAccumulator(fields);
    q.addCounts({ total, accepted });
    return q.summary().validity.level;
  };
  assert.deepEqual([98, 97, 95, 94, 93].map((a) => level(a)), ['ok', 'warn', 'warn', 'warn', 'critical']);
  const q = new DataQualityAccumulator(fields);
  for (let i = 0; i < 40; i++) q.addRecord(i % 8 !== 0, { tenant: 'a', vector: [1] });
  assert.equal(q.summary().validity.value, 35 / 40);
  assert.equal(q.summary().validity.level, 'critical');
});

test('completeness is the non-null share of each watched field over all records', () => {
  const q = new DataQualityAccumulator(fields);
  for (let i = 0; i < 100; i++) {
    q.addRecord(true, { tenant: i < 96 ? 'a' : null, vector: i < 92 ? [1] : undefined, other: null });
  }
  q.addRecord(false, 'not an object');
  const { completeness } = q.summary();
  assert.deepEqual(completeness, { tenant: { value: 96 / 101, level: 'ok' }, vector: { value: 92 / 101, level: 'warn' } });
  q.addCounts({ total: 20, accepted: 20, present: { tenant: 20 } });
  assert.deepEqual(q.summary().completeness.vector, { value: 92 / 121, level: 'critical' });
});

test('timeliness is the watermark lag behind the wall clock: ok under 1 h, critical over 4 h', () => {
  const level = (lagMs: number): string => {
    const q = new DataQualityAccumulator(fields);
    q.observeWatermark(10 * HOUR, 10 * HOUR + lagMs);
    return q.summary().timeliness.level;
  };
  assert.deepEqual([0, HOUR - 1, HOUR, 4 * HOUR, 4 * HOUR + 1, -5000].map(level), ['ok', 'ok', 'warn', 'warn', 'critical', 'ok']);
  const q = new DataQualityAccumulator(fields);
  q.observeWatermark(0, 5 * HOUR);
  q.observeWatermark(2 * HOUR, 2.5 * HOUR);
  assert.deepEqual(q.summary().timeliness, { lag_ms: 0.5 * HOUR, level: 'ok' });
});

test('the overall level is the worst figure that has data', () => {
  const q = new DataQualityAccumulator(fields);
  q.addCounts({ total: 100, accepted: 99, present: { tenant: 100, vector: 100 } });
  assert.equal(q.summary().level, 'ok');
  q.observeWatermark(0, 2 * HOUR);
  assert.equal(q.summary().level, 'warn');
  q.addCounts({ total: 100, accepted: 80, present: { tenant: 100, vector: 100 } });
  assert.equal(q.summary().level, 'critical');
});

test('limits are configurable and checked', () => {
  const strict = { ...DEFAULT_DATA_QUALITY_THRESHOLDS, validity: { ok: 0.999, critical: 0.99 } };
  const q = new DataQualityAccumulator(fields, strict);
  q.addCounts({ total: 1000, accepted: 995 });
  assert.equal(q.summary().validity.level, 'warn');
  assert.throws(() => new DataQualityAccumulator(fields, { ...strict, validity: { ok: 0.9, critical: 0.95 } }), DriftConfigError);
  assert.throws(() => new DataQualityAccumulator(fields, { ...strict, timeliness: { okMs: 10, criticalMs: 5 } }), DriftConfigError);
});

test('refused counts change nothing', () => {
  const q = new DataQualityAccumulator(fields);
  q.addCounts({ total: 10, accepted: 10, present: { tenant: 10, vector: 10 } });
  const before = q.state();
  assert.throws(() => q.addCounts({ total: 5, accepted: 6 }), DriftConfigError);
  assert.throws(() => q.addCounts({ total: 5, accepted: 5, present: { tenant: 5, model: 1 } }), /"model" is not watched/);
  assert.throws(() => q.addCounts({ total: 5, accepted: 5, present: { tenant: 5, vector: 6 } }), DriftConfigError);
  assert.throws(() => q.addCounts({ total: 1.5, accepted: 1 }), DriftConfigError);
  assert.deepEqual(q.state(), before);
});

test('the state is a JSON value an accumulator continues from', () => {
  const q = new DataQualityAccumulator(fields);
  q.addRecord(true, { tenant: 'a', vector: [1] });
  q.addRecord(false, { tenant: 'b' });
  q.observeWatermark(HOUR, 3 * HOUR);
  const state = JSON.parse(JSON.stringify(q.state()));
  assert.deepEqual(state, { total: 2, accepted: 1, present: { tenant: 2, vector: 1 }, lagMs: 2 * HOUR });
  const restored = DataQualityAccumulator.fromState(state, fields);
  assert.deepEqual(restored.summary(), q.summary());
  restored.addRecord(true, { tenant: 'c', vector: [2] });
  assert.equal(restored.summary().total, 3);
  for (const bad of [null, { total: 1, accepted: 2, present: {}, lagMs: null }, { total: 1, accepted: 1, lagMs: null }, { total: 1, accepted: 1, present: {}, lagMs: 'x' }]) {
    assert.throws(() => DataQualityAccumulator.fromState(bad, fields), DriftStateError, JSON.stringify(bad));
  }
});
