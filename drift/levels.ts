import { createHash } from 'node:crypto';
import { DriftConfigError, DriftStateError } from './errors.js';

export const DRIFT_LEVELS = ['ok', 'warn', 'critical'] as const;
export type DriftLevel = (typeof DRIFT_LEVELS)[number];

export interface DriftThresholds {
  warn: number;
  critical: number;
}

/**
 * Thresholds for `mean-cosine` (1 − cosine of the window means): 0.07 is a mean direction turned by
 * about 21.6°, 0.1 by 25.8°. They do not fit `mmd`, whose scale depends on the spread of the data:
 * give that method thresholds measured on your own windows (bench/drift.ts shows how).
 */
export const DEFAULT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({ warn: 0.07, critical: 0.1 });

/** Checks 0 ≤ warn ≤ critical, all finite; names the offending value. */
export function validateThresholds(thresholds: DriftThresholds): DriftThresholds {
  const { warn, critical } = thresholds;
  if (!Number.isFinite(warn) || !Number.isFinite(critical) || warn < 0 || warn > critical) {
    throw new DriftConfigError(`drift thresholds need 0 ≤ warn ≤ critical, finite; got warn ${warn}, critical ${critical}`);
  }
  return thresholds;
}

/** The level of a score: `ok` below warn, `warn` from warn up to (excluding) critical, `critical` from critical up. */
export function driftLevel(score: number, thresholds: DriftThresholds = DEFAULT_THRESHOLDS): DriftLevel {
  if (Number.isNaN(score)) throw new RangeError('a drift score of NaN has no level');
  if (score >= thresholds.critical) return 'critical';
  return score >= thresholds.warn ? 'warn' : 'ok';
}

/**
 * Whether the next critical window may request a retrain, and the last level seen. A plain JSON value,
 * stored as is in keyed state (one per tenant and model version).
 */
export interface RetrainGateState {
  armed: boolean;
  last: DriftLevel | null;
}

export const INITIAL_RETRAIN_GATE: Readonly<RetrainGateState> = Object.freeze({ armed: true, last: null });

/**
 * The hysteresis of retrain requests, one step per scored window:
 * - entering `critical` while armed requests one retrain and disarms the gate;
 * - further `critical` windows, and a dip to `warn` and back, request nothing;
 * - an `ok` window (score below warn) re-arms it, so the next critical window requests again.
 * The warn band is the hysteresis band: a score oscillating around the critical threshold makes one
 * request, not one per crossing.
 */
export function stepRetrainGate(state: RetrainGateState, level: DriftLevel): { state: RetrainGateState; requestRetrain: boolean } {
  const requestRetrain = level === 'critical' && state.armed;
  const armed = level === 'ok' ? true : level === 'critical' ? false : state.armed;
  return { state: { armed, last: level }, requestRetrain };
}

/** A gate state read back from storage, checked; a DriftStateError names what is wrong. */
export function parseRetrainGateState(value: unknown): RetrainGateState {
  if (typeof value !== 'object' || value === null) throw new DriftStateError(`a retrain gate state is an object, got ${JSON.stringify(value)}`);
  const { armed, last } = value as Record<string, unknown>;
  if (typeof armed !== 'boolean') throw new DriftStateError(`retrain gate state: "armed" must be a boolean, got ${JSON.stringify(armed)}`);
  if (last !== null && !DRIFT_LEVELS.includes(last as DriftLevel)) {
    throw new DriftStateError(`retrain gate state: "last" must be null or one of ${DRIFT_LEVELS.join(', ')}, got ${JSON.stringify(last)}`);
  }
  return { armed, last: last as DriftLevel | null };
}

/** An event-time window [start, end) in epoch milliseconds. */
export interface WindowBounds {
  start: number;
  end: number;
}

export interface RetrainRequestKey {
  tenant: string;
  modelVersion: string;
  referenceWindow: WindowBounds;
  currentWindow: WindowBounds;
}

/**
 * The id of a retrain request: the first 128 bits of SHA-256 over tenant, model version and both
 * windows, as 32 hex digits. A replayed window close produces the same id, so a consumer of the
 * requests can drop duplicates (and a sink can write them idempotently).
 */
export function retrainRequestId(key: RetrainRequestKey): string {
  const { tenant, modelVersion, referenceWindow: r, currentWindow: c } = key;
  // A JSON array is an unambiguous encoding of the fields, whatever characters the strings hold.
  const canonical = JSON.stringify(['retrain/v1', tenant, modelVersion, r.start, r.end, c.start, c.end]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 32);
}
