import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriftConfigError, DriftStateError } from '../../../drift/errors.js';
import {
  DEFAULT_THRESHOLDS,
  driftLevel,
  INITIAL_RETRAIN_GATE,
  parseRetrainGateState,
  retrainRequestId,
  stepRetrainGate,
  validateThresholds,
  type DriftLevel,
  type RetrainGateState,
} from '../../../drift/levels.js';

test('levels: ok below warn, warn from 0.07, critical from 0.1', () => {
  assert.deepEqual(DEFAULT_THRESHOLDS, { warn: 0.07, critical: 0.1 });
  const levels = [0, 0.069999, 0.07, 0.0999, 0.1, 0.5, 2].map((score) => driftLevel(score));
  assert.deepEqual(levels, ['ok', 'ok', 'warn', 'warn', 'critical', 'critical', 'critical']);
  assert.equal(driftLevel(0.02, { warn: 0.01, critical: 0.03 }), 'warn');
  assert.equal(driftLevel(-0.001, { warn: 0.01, critical: 0.03 }), 'ok');
  assert.throws(() => driftLevel(Number.NaN), RangeError);
});

test('thresholds must be finite with 0 ≤ warn ≤ critical', () => {
  assert.deepEqual(validateThresholds({ warn: 0.05, critical: 0.05 }), { warn: 0.05, critical: 0.05 });
  for (const bad of [{ warn: 0.2, critical: 0.1 }, { warn: -0.1, critical: 0.1 }, { warn: 0.1, critical: Number.POSITIVE_INFINITY }, { warn: Number.NaN, critical: 1 }]) {
    assert.throws(() => validateThresholds(bad), DriftConfigError, JSON.stringify(bad));
  }
});

/** Runs the gate over a sequence of levels; returns the indexes of the windows that request a retrain. */
function requests(levels: DriftLevel[], start: RetrainGateState = INITIAL_RETRAIN_GATE): { at: number[]; state: RetrainGateState } {
  let state = start;
  const at: number[] = [];
  levels.forEach((level, i) => {
    const step = stepRetrainGate(state, level);
    if (step.requestRetrain) at.push(i);
    state = step.state;
  });
  return { at, state };
}

test('entering critical requests one retrain, not repeated while critical', () => {
  assert.deepEqual(requests(['ok', 'warn', 'critical', 'critical', 'critical']).at, [2]);
  assert.deepEqual(requests(['critical']).at, [0]);
});

test('a dip to warn does not re-arm; only a window below warn does', () => {
  assert.deepEqual(requests(['critical', 'warn', 'critical', 'warn', 'critical']).at, [0]);
  assert.deepEqual(requests(['critical', 'warn', 'ok', 'warn', 'critical']).at, [0, 4]);
  assert.deepEqual(requests(['critical', 'ok', 'critical', 'ok', 'ok', 'critical']).at, [0, 2, 5]);
  assert.deepEqual(requests(['warn', 'warn', 'ok']).at, []);
});

test('the gate state is a JSON value that continues where it stopped', () => {
  const first = requests(['ok', 'critical', 'warn']);
  assert.deepEqual(first.state, { armed: false, last: 'warn' });
  const restored = parseRetrainGateState(JSON.parse(JSON.stringify(first.state)));
  assert.deepEqual(requests(['critical'], restored).at, []);
  assert.deepEqual(requests(['ok', 'critical'], restored).at, [1]);
  assert.deepEqual(parseRetrainGateState(INITIAL_RETRAIN_GATE), { armed: true, last: null });
  for (const bad of [null, 'armed', { armed: 'yes', last: null }, { armed: true, last: 'bad' }, { armed: true }]) {
    assert.throws(() => parseRetrainGateState(bad), DriftStateError, JSON.stringify(bad));
  }
});

test('a retrain request id is a stable hash of tenant, model version and both windows', () => {
  const key = { tenant: 'acme', modelVersion: 'clip@3', referenceWindow: { start: 0, end: 3_600_000 }, currentWindow: { start: 7_200_000, end: 10_800_000 } };
  const id = retrainRequestId(key);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(retrainRequestId({ ...key, referenceWindow: { ...key.referenceWindow } }), id);
  const variants = [
    { ...key, tenant: 'acme2' },
    { ...key, modelVersion: 'clip@4' },
    { ...key, referenceWindow: { start: 0, end: 3_600_001 } },
    { ...key, currentWindow: { start: 7_200_000, end: 10_800_001 } },
    { ...key, tenant: 'acme","clip@3', modelVersion: '' },
  ];
  assert.equal(new Set([id, ...variants.map(retrainRequestId)]).size, variants.length + 1);
});
