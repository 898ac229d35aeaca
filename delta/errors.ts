/**
 * The errors the Delta library raises, each with a `retriable` flag and the context that explains it
 * (table, version, file, record origin). The library imports nothing of the engine: an operator or
 * connector that wraps it maps these onto the engine's own error classes.
 */

export interface DeltaErrorContext {
  /** Table root directory. */
  table?: string;
  /** Log version concerned. */
  version?: number;
  /** A file of the table (data, log or checkpoint), relative to the table root or absolute. */
  file?: string;
  /** Field path inside a record, e.g. `node_ids[2]`. */
  field?: string;
  /** Origin of the record that failed, when it came from Kafka. */
  topic?: string;
  partition?: number;
  offset?: number;
}

interface DeltaErrorOptions {
  retriable?: boolean;
  context?: DeltaErrorContext;
  cause?: unknown;
}

export class DeltaError extends Error {
  readonly retriable: boolean;
  readonly context: DeltaErrorContext;

  constructor(message: string, options: DeltaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** An Avro schema, partition spec or table schema that this library cannot map or that disagrees with the table. */
export class DeltaSchemaError extends DeltaError {}

/** A record whose value does not fit the table schema; names the field and the record's origin. Not retriable. */
export class DeltaRecordError extends DeltaError {}

/** The log is missing a version, unreadable, or needs a protocol this library does not implement. */
export class DeltaLogError extends DeltaError {}

/**
 * Another writer changed what this commit depended on (it removed files this commit removes, or changed the
 * metadata). Retriable: run the operation again on the new version.
 */
export class DeltaConflictError extends DeltaError {
  constructor(message: string, options: Omit<DeltaErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** A vacuum (or other maintenance) request that would be unsafe, e.g. a retention below the minimum. */
export class DeltaUsageError extends DeltaError {}
