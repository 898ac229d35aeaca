import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriftConfigError } from '../../../drift/errors.js';
import { evaluateWindow, validateEvaluationConfig, type DriftEvaluationConfig, type WindowClose } from '../../../drift/evaluate-window.js';
import { DEFAULT_THRESHOLDS, INITIAL_RETRAIN_GATE, retrainRequestId, type RetrainGateState } from '../../../drift/levels.js';
import { DriftScorer } from '../../../drift/scores.js';
import { WindowStatistics } from '../../../drift/window-statistics.js';

const HOUR = 3_600_000;
const config: DriftEvaluationConfig = { method: 'mean-cosine', thresholds: DEFAULT_THRESHOLDS, minRecords: 2 };
const scorer = new DriftScorer();

/** A window of `count` copies of the unit vector at `degrees` in the plane. */
function windowAt(degrees: number, count: number): WindowStatistics {
  const stats = WindowStatistics.create({ dimension: 2, seed: `w${degrees}` });
  const angle = (degrees * Math.PI) / 180;
  for (let i = 0; i < count; i++) stats.add([Math.cos(angle), Math.sin(angle)]);
  return stats;
}

const reference = windowAt(0, 4);

function close(hour: number, degrees: number, gate: RetrainGateState, count = 4): WindowClose {
  return {
    tenant: 'acme',
    modelVersion: 'clip@3',
    referenceWindow: { start: 0, end: HOUR },
    currentWindow: { start: hour * HOUR, end: (hour + 1) * HOUR },
    reference,
    current: windowAt(degrees, count),
    gate,
  };
}

test('a window close gives the report shape with score, level and both counts', () => {
  const result = evaluateWindow(close(1, 20, INITIAL_RETRAIN_GATE), config, scorer);
  assert.equal(result.status, 'scored');
  if (result.status !== 'scored') return;
  assert.deepEqual(Object.keys(result.report).sort(), ['level', 'model_version', 'n_cur', 'n_ref', 'score', 'tenant', 'window']);
  assert.ok(Math.abs(result.report.score - (1 - Math.cos((20 * Math.PI) / 180))) < 1e-12);
  assert.equal(result.report.level, 'ok');
  assert.deepEqual(result.report.window, { start: HOUR, end: 2 * HOUR });
  assert.equal(result.report.n_ref, 4);
  assert.equal(result.report.n_cur, 4);
  assert.equal(result.retrain, null);
});

test('entering critical emits one retrain request with an idempotent id; staying critical emits none', () => {
  // 1 − cos 22° = 0.073 (warn), 1 − cos 30° = 0.134 (critical), 1 − cos 10° = 0.015 (ok).
  let gate: RetrainGateState = INITIAL_RETRAIN_GATE;
  const seen: Array<[string, boolean]> = [];
  const ids: string[] = [];
  [22, 30, 30, 22, 30, 10, 30].forEach((degrees, i) => {
    const input = close(i + 1, degrees, gate);
    const result = evaluateWindow(input, config, scorer);
    assert.equal(result.status, 'scored');
    if (result.status !== 'scored') return;
    seen.push([result.report.level, result.retrain !== null]);
    if (result.retrain) {
      assert.equal(result.retrain.id, retrainRequestId(input));
      assert.deepEqual(result.retrain.current_window, input.currentWindow);
      assert.equal(result.retrain.method, 'mean-cosine');
      ids.push(result.retrain.id);
    }
    gate = result.gate;
  });
  assert.deepEqual(seen, [
    ['warn', false],
    ['critical', true],
    ['critical', false],
    ['warn', false],
    ['critical', false],
    ['ok', false],
    ['critical', true],
  ]);
  assert.equal(new Set(ids).size, 2);
  const replayed = evaluateWindow(close(2, 30, INITIAL_RETRAIN_GATE), config, scorer);
  assert.ok(replayed.status === 'scored' && replayed.retrain?.id === ids[0]);
});

test('a window below minRecords is not scored and leaves the gate alone', () => {
  const gate = { armed: false, last: 'critical' as const };
  const result = evaluateWindow(close(1, 90, gate, 1), config, scorer);
  assert.deepEqual(result, { status: 'insufficient', n_ref: 4, n_cur: 1, minRecords: 2, gate });
});

test('a configuration is checked once: thresholds and minRecords per method', () => {
  assert.equal(validateEvaluationConfig(config), config);
  assert.throws(() => validateEvaluationConfig({ ...config, method: 'mmd', minRecords: 1 }), DriftConfigError);
  assert.throws(() => validateEvaluationConfig({ ...config, minRecords: 0 }), DriftConfigError);
  assert.throws(() => validateEvaluationConfig({ ...config, thresholds: { warn: 0.2, critical: 0.1 } }), DriftConfigError);
});
