/**
 * The Delta Lake table library behind Weir's `delta` sink: exactly-once appends from Kafka batches, reads with
 * time travel, compaction, vacuum and a reproducibility hash. Self-contained: Node built-ins and npm packages only.
 * See delta/README.md for the design, the type mapping and how the sink calls it.
 */
export { DeltaWriter, type AppendResult, type DeltaWriterOptions, type PreparedAppend } from './delta-writer.js';
export { transactionAppId, type PartitionPosition, type SinkRecord } from './append-plan.js';
export { DeltaTable, history, type CommitSummary } from './delta-table.js';
export { readTable, type ReadOptions, type ReadResult } from './table-reader.js';
export { optimize, DEFAULT_TARGET_FILE_BYTES, type OptimizeOptions, type OptimizeResult } from './optimize.js';
export { vacuum, DEFAULT_RETENTION_HOURS, MIN_RETENTION_HOURS, type VacuumOptions, type VacuumResult } from './vacuum.js';
export { tableHash, type TableHash } from './table-hash.js';
export { deltaHistory, deltaOptimize, deltaRead, deltaVacuum } from './commands.js';
export { DEFAULT_EVENT_TIME_FIELD, DEFAULT_PARTITION_BY } from './table-layout.js';
export { DeltaConflictError, DeltaError, DeltaLogError, DeltaRecordError, DeltaSchemaError, DeltaUsageError, type DeltaErrorContext } from './errors.js';
