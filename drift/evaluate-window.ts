import { DriftConfigError } from './errors.js';
import { driftLevel, retrainRequestId, stepRetrainGate, validateThresholds, type DriftLevel, type DriftThresholds, type RetrainGateState, type WindowBounds } from './levels.js';
import type { DriftScoreMethod, DriftScorer } from './scores.js';
import type { WindowStatistics } from './window-statistics.js';

/** What the drift-detect operator emits at each window close of a (tenant, model_version). */
export interface DriftReport {
  tenant: string;
  model_version: string;
  window: WindowBounds;
  score: number;
  level: DriftLevel;
  n_ref: number;
  n_cur: number;
}

/** One request to retrain, made when a (tenant, model_version) enters critical; `id` is idempotent. */
export interface RetrainRequest {
  id: string;
  tenant: string;
  model_version: string;
  reference_window: WindowBounds;
  current_window: WindowBounds;
  method: DriftScoreMethod;
  score: number;
}

/**
 * Default of `minRecords`. The `mean-cosine` noise floor — its expected value with no drift at all —
 * is about (1 − c)/(2c)·(1/n_ref + 1/n_cur) for embeddings whose pairwise cosine is c: with c = 0.3
 * and 200 records a side it is 0.012, a sixth of the warn threshold, and 1,000 stationary windows
 * raise no warn (bench/drift.ts); with c = 0.1 it is 0.045, still under warn but without margin.
 */
export const DEFAULT_MIN_RECORDS = 200;

export interface DriftEvaluationConfig {
  method: DriftScoreMethod;
  thresholds: DriftThresholds;
  /**
   * Fewest records a window (reference and current alike) needs to be scored. Below it the window is
   * reported as insufficient and the retrain gate does not move: the mean of a handful of embeddings is
   * noise (see README.md, "noise floor"), and a mmd needs two samples a side.
   */
  minRecords: number;
}

export interface WindowClose {
  tenant: string;
  modelVersion: string;
  referenceWindow: WindowBounds;
  currentWindow: WindowBounds;
  reference: WindowStatistics;
  current: WindowStatistics;
  gate: RetrainGateState;
}

export type DriftEvaluation =
  | { status: 'scored'; report: DriftReport; retrain: RetrainRequest | null; gate: RetrainGateState }
  | { status: 'insufficient'; n_ref: number; n_cur: number; minRecords: number; gate: RetrainGateState };

/** Checks a configuration once (at operator creation), so that evaluating a window cannot fail on it. */
export function validateEvaluationConfig(config: DriftEvaluationConfig): DriftEvaluationConfig {
  validateThresholds(config.thresholds);
  const floor = config.method === 'mmd' ? 2 : 1;
  if (!Number.isInteger(config.minRecords) || config.minRecords < floor) {
    throw new DriftConfigError(`minRecords must be an integer ≥ ${floor} for ${config.method}, got ${config.minRecords}`);
  }
  return config;
}

/**
 * Everything that happens when a current window closes: score it against the reference, take its
 * level, step the retrain gate and, on entering critical, build the one retrain request. Pure apart
 * from the scorer's scratch memory: the operator stores `gate` back and emits `report` and `retrain`.
 *
 * @example
 * const result = evaluateWindow(close, config, scorer);
 * if (result.status === 'scored') { emit(result.report); if (result.retrain) emitRetrain(result.retrain); }
 * await saveGate(result.gate);
 */
export function evaluateWindow(close: WindowClose, config: DriftEvaluationConfig, scorer: DriftScorer): DriftEvaluation {
  const n_ref = close.reference.count;
  const n_cur = close.current.count;
  if (n_ref < config.minRecords || n_cur < config.minRecords) {
    return { status: 'insufficient', n_ref, n_cur, minRecords: config.minRecords, gate: close.gate };
  }
  const score = scorer.score(config.method, close.reference, close.current);
  const level = driftLevel(score, config.thresholds);
  const step = stepRetrainGate(close.gate, level);
  const report: DriftReport = { tenant: close.tenant, model_version: close.modelVersion, window: close.currentWindow, score, level, n_ref, n_cur };
  const retrain: RetrainRequest | null = step.requestRetrain
    ? {
        id: retrainRequestId(close),
        tenant: close.tenant,
        model_version: close.modelVersion,
        reference_window: close.referenceWindow,
        current_window: close.currentWindow,
        method: config.method,
        score,
      }
    : null;
  return { status: 'scored', report, retrain, gate: step.state };
}
