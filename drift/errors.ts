/**
 * Errors of the drift library. Each carries a `reason` (a short kebab-case code an operator can put in
 * `weir.reason` when it rejects a record) and `retriable: false`: none of them goes away on a retry.
 */
export class DriftError extends Error {
  readonly retriable = false;

  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A vector that cannot join a window: wrong dimension or a component that is not a finite number. */
export class VectorRejectedError extends DriftError {
  constructor(
    reason: 'dimension-mismatch' | 'non-finite-component',
    message: string,
    /** Index of the offending component, when one is to blame. */
    readonly component?: number,
  ) {
    super(reason, message);
  }
}

/** Two windows that cannot be combined or compared (different dimension or reservoir capacity). */
export class IncompatibleWindowsError extends DriftError {
  constructor(message: string) {
    super('incompatible-windows', message);
  }
}

/** Bytes that are not a window-statistics state this version can read. */
export class WindowStatisticsCodecError extends DriftError {
  constructor(reason: 'truncated' | 'bad-magic' | 'unsupported-version' | 'inconsistent', message: string) {
    super(reason, message);
  }
}

/** A score that is not defined for these windows (too few records or samples, a zero mean). */
export class ScoreUndefinedError extends DriftError {
  constructor(reason: 'empty-window' | 'too-few-samples' | 'zero-mean', message: string) {
    super(reason, message);
  }
}

/** A configuration value out of its range (thresholds, sizes, data-quality limits). */
export class DriftConfigError extends DriftError {
  constructor(message: string) {
    super('invalid-config', message);
  }
}

/** A serialised state object (retrain gate, data-quality accumulator) of the wrong shape. */
export class DriftStateError extends DriftError {
  constructor(message: string) {
    super('invalid-state', message);
  }
}
