import { DriftConfigError, DriftStateError } from './errors.js';

/**
 * Data-quality figures of a stream over a period (typically one window), from counts:
 * - validity = accepted / total records (the rest were rejected by validation);
 * - completeness of each watched field = records where it is present and not null / total records;
 * - timeliness = watermark lag behind the wall clock at the last observation (wall clock − watermark).
 * Each figure gets a level from configurable limits; no clock and no I/O in here, the caller passes
 * the times in, so the accumulator is deterministic and its state a plain JSON value.
 */

export type QualityLevel = 'ok' | 'warn' | 'critical' | 'no-data';

/** A share is ok strictly above `ok`, critical strictly below `critical`, warn in between (bounds included). */
export interface ShareLimits {
  ok: number;
  critical: number;
}

/** A lag is ok strictly below `okMs`, critical strictly above `criticalMs`, warn in between (bounds included). */
export interface LagLimits {
  okMs: number;
  criticalMs: number;
}

export interface DataQualityThresholds {
  validity: ShareLimits;
  completeness: ShareLimits;
  timeliness: LagLimits;
}

const HOUR = 3_600_000;

export const DEFAULT_DATA_QUALITY_THRESHOLDS: Readonly<DataQualityThresholds> = Object.freeze({
  validity: Object.freeze({ ok: 0.97, critical: 0.94 }),
  completeness: Object.freeze({ ok: 0.95, critical: 0.9 }),
  timeliness: Object.freeze({ okMs: HOUR, criticalMs: 4 * HOUR }),
});

/** The accumulated counts: what `state()` returns and `fromState` takes back. */
export interface DataQualityState {
  total: number;
  accepted: number;
  /** Per watched field, records where it was present and not null. */
  present: Record<string, number>;
  /** Last watermark lag observed, or null before the first observation. */
  lagMs: number | null;
}

export interface DataQualitySummary {
  total: number;
  accepted: number;
  validity: { value: number | null; level: QualityLevel };
  completeness: Record<string, { value: number | null; level: QualityLevel }>;
  timeliness: { lag_ms: number | null; level: QualityLevel };
  /** The worst level among the figures that have data; `no-data` when none has. */
  level: QualityLevel;
}

export class DataQualityAccumulator {
  private total = 0;
  private accepted = 0;
  private readonly present: Map<string, number>;
  private lagMs: number | null = null;

  constructor(
    readonly fields: readonly string[],
    readonly thresholds: DataQualityThresholds = DEFAULT_DATA_QUALITY_THRESHOLDS,
  ) {
    validateDataQualityThresholds(thresholds);
    this.present = new Map(fields.map((field) => [field, 0]));
  }

  /**
   * Counts one record: `accepted` says whether validation let it through; `record` is its decoded value,
   * whose top-level watched fields are checked for presence (anything but a missing key, undefined or
   * null). A record that did not decode into an object counts with every field missing.
   */
  addRecord(accepted: boolean, record: unknown): void {
    this.total++;
    if (accepted) this.accepted++;
    if (typeof record !== 'object' || record === null) return;
    for (const [field, count] of this.present) {
      const value = (record as Record<string, unknown>)[field];
      if (value !== undefined && value !== null) this.present.set(field, count + 1);
    }
  }

  /** Adds counts gathered elsewhere (e.g. from a metric or another partition); unknown fields are an error. */
  addCounts(counts: { total: number; accepted: number; present?: Record<string, number> }): void {
    requireCount(counts.total, 'total');
    requireCount(counts.accepted, 'accepted');
    if (counts.accepted > counts.total) throw new DriftConfigError(`data-quality counts: accepted ${counts.accepted} exceeds total ${counts.total}`);
    const present = Object.entries(counts.present ?? {});
    // Every count is checked before any is added: a refused call changes nothing.
    for (const [field, count] of present) {
      if (!this.present.has(field)) throw new DriftConfigError(`data-quality counts: field "${field}" is not watched (watched: ${this.fields.join(', ')})`);
      requireCount(count, `present.${field}`);
      if (count > counts.total) throw new DriftConfigError(`data-quality counts: present.${field} ${count} exceeds total ${counts.total}`);
    }
    for (const [field, count] of present) this.present.set(field, this.present.get(field)! + count);
    this.total += counts.total;
    this.accepted += counts.accepted;
  }

  /** Notes the watermark lag now: wallClockMs − watermarkMs (negative when the watermark runs ahead of the clock). */
  observeWatermark(watermarkMs: number, wallClockMs: number): void {
    if (!Number.isFinite(watermarkMs) || !Number.isFinite(wallClockMs)) throw new RangeError(`watermark ${watermarkMs} and wall clock ${wallClockMs} must be finite`);
    this.lagMs = wallClockMs - watermarkMs;
  }

  summary(): DataQualitySummary {
    const { validity, completeness: fieldLimits, timeliness } = this.thresholds;
    const share = (count: number, limits: ShareLimits): { value: number | null; level: QualityLevel } => {
      if (this.total === 0) return { value: null, level: 'no-data' };
      const value = count / this.total;
      return { value, level: value > limits.ok ? 'ok' : value < limits.critical ? 'critical' : 'warn' };
    };
    const completeness: DataQualitySummary['completeness'] = {};
    for (const [field, count] of this.present) completeness[field] = share(count, fieldLimits);
    const lag = this.lagMs;
    const summary: DataQualitySummary = {
      total: this.total,
      accepted: this.accepted,
      validity: share(this.accepted, validity),
      completeness,
      timeliness: { lag_ms: lag, level: lag === null ? 'no-data' : lag < timeliness.okMs ? 'ok' : lag > timeliness.criticalMs ? 'critical' : 'warn' },
      level: 'no-data',
    };
    summary.level = worstLevel([summary.validity.level, ...Object.values(completeness).map((c) => c.level), summary.timeliness.level]);
    return summary;
  }

  /** The counts as a plain JSON value, for keyed state. */
  state(): DataQualityState {
    return { total: this.total, accepted: this.accepted, present: Object.fromEntries(this.present), lagMs: this.lagMs };
  }

  /** An accumulator continuing from `state()`'s value, checked against the watched fields. */
  static fromState(value: unknown, fields: readonly string[], thresholds: DataQualityThresholds = DEFAULT_DATA_QUALITY_THRESHOLDS): DataQualityAccumulator {
    if (typeof value !== 'object' || value === null) throw new DriftStateError(`a data-quality state is an object, got ${JSON.stringify(value)}`);
    const { total, accepted, present, lagMs } = value as Record<string, unknown>;
    if (typeof present !== 'object' || present === null) throw new DriftStateError('data-quality state: "present" must be an object of counts');
    if (lagMs !== null && !Number.isFinite(lagMs)) throw new DriftStateError(`data-quality state: "lagMs" must be a number or null, got ${JSON.stringify(lagMs)}`);
    const accumulator = new DataQualityAccumulator(fields, thresholds);
    try {
      accumulator.addCounts({ total: total as number, accepted: accepted as number, present: present as Record<string, number> });
    } catch (error) {
      throw new DriftStateError(`data-quality state is invalid: ${(error as Error).message}`);
    }
    accumulator.lagMs = lagMs as number | null;
    return accumulator;
  }
}

/** Checks 0 ≤ critical ≤ ok ≤ 1 for shares and 0 ≤ okMs ≤ criticalMs for the lag. */
export function validateDataQualityThresholds(thresholds: DataQualityThresholds): DataQualityThresholds {
  for (const name of ['validity', 'completeness'] as const) {
    const { ok, critical } = thresholds[name];
    if (!(critical >= 0 && critical <= ok && ok <= 1)) throw new DriftConfigError(`data-quality ${name} limits need 0 ≤ critical ≤ ok ≤ 1, got ok ${ok}, critical ${critical}`);
  }
  const { okMs, criticalMs } = thresholds.timeliness;
  if (!(okMs >= 0 && okMs <= criticalMs && Number.isFinite(criticalMs))) {
    throw new DriftConfigError(`data-quality timeliness limits need 0 ≤ okMs ≤ criticalMs, finite, got okMs ${okMs}, criticalMs ${criticalMs}`);
  }
  return thresholds;
}

const SEVERITY: Record<QualityLevel, number> = { 'no-data': 0, ok: 1, warn: 2, critical: 3 };

function worstLevel(levels: QualityLevel[]): QualityLevel {
  return levels.reduce<QualityLevel>((worst, level) => (SEVERITY[level] > SEVERITY[worst] ? level : worst), 'no-data');
}

function requireCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new DriftConfigError(`data-quality counts: ${name} must be a non-negative integer, got ${value}`);
}
