import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AddFile } from './actions.js';
import type { DeltaErrorContext } from './errors.js';
import { fileStats } from './file-stats.js';
import { writeFileAtomic } from './log-store.js';
import type { ParquetCodec } from './parquet-codec.js';
import { partitionDirectory, pathToUri } from './table-layout.js';

/**
 * Writes one Parquet data file and describes it as an `add` action.
 *
 * The name is `part-<hash>.snappy.parquet`, the hash covering the file's bytes and a `salt` that says where
 * the rows came from (the Kafka offsets of an append, the source files of a compaction). Rewriting the same
 * rows after a crash so yields the same name and bytes — a replay is idempotent on disk too — while equal
 * rows from different offsets (a record sent twice) still get two distinct files, as they must: two add
 * actions of one path would be one logical file.
 */

export interface DataFileRequest {
  readonly root: string;
  readonly partitionColumns: readonly string[];
  readonly partitionValues: Record<string, string | null>;
  /** Typed rows; only the codec's (data) columns are stored. */
  readonly rows: readonly Record<string, unknown>[];
  readonly salt: string;
  /** `add.modificationTime`: derived from the rows (max event time), never from the clock. */
  readonly modificationTime: number;
  readonly dataChange: boolean;
  /** Origin of row i, for error messages. */
  readonly origin?: (index: number) => DeltaErrorContext;
}

export async function writeDataFile(codec: ParquetCodec, request: DataFileRequest): Promise<AddFile> {
  const bytes = codec.encode(request.rows, request.origin);
  const hash = createHash('sha256').update(bytes).update('\n').update(request.salt).digest('hex').slice(0, 32);
  const directory = partitionDirectory(request.partitionColumns, request.partitionValues);
  const relative = directory === '' ? `part-${hash}.snappy.parquet` : `${directory}/part-${hash}.snappy.parquet`;
  await writeFileAtomic(join(request.root, relative), bytes);
  return {
    path: pathToUri(relative),
    partitionValues: request.partitionValues,
    size: bytes.byteLength,
    modificationTime: request.modificationTime,
    dataChange: request.dataChange,
    stats: JSON.stringify(fileStats(codec.columns, request.rows)),
  };
}

/** The largest event time (epoch ms) among `rows`, or undefined without an event-time field or values. */
export function maxEventTime(rows: readonly Record<string, unknown>[], field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  let max: number | undefined;
  for (const row of rows) {
    const raw = row[field];
    const value = typeof raw === 'bigint' ? Number(raw) : raw instanceof Date ? raw.getTime() : raw;
    if (typeof value === 'number' && Number.isFinite(value) && (max === undefined || value > max)) max = value;
  }
  return max;
}
