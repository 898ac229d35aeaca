import { join } from 'node:path';
import type { AddFile } from './actions.js';
import { parseSchemaString, type Column } from './columns.js';
import { latestVersion, loadVersion, versionAsOf } from './delta-table.js';
import { DeltaUsageError } from './errors.js';
import { LogStore } from './log-store.js';
import { ParquetCodec } from './parquet-codec.js';
import { compilePartitionDecoder } from './row-decoding.js';
import type { Snapshot } from './snapshot.js';
import { uriToPath } from './table-layout.js';

/**
 * Reads a table's rows at its latest version, at a version, or as of a commit timestamp (time travel),
 * optionally only some partitions. Partition pruning uses the log alone: files of other partitions are
 * never opened. Rows come back typed as the writer took them, with the partition columns filled in from
 * the log (a derived `date` as `YYYY-MM-DD`), files in commit order, rows in file order.
 */

export interface ReadOptions {
  /** Read this version. */
  readonly version?: number;
  /** Read the latest version committed at or before this time (epoch ms or Date, on the commit clock). */
  readonly asOf?: number | Date;
  /** Keep only files whose partition values equal these (serialised form, e.g. `{ tenant: 'acme', date: '2024-05-01' }`). */
  readonly partitions?: Readonly<Record<string, string | null>>;
  /** Files read at once. Default 8. */
  readonly concurrency?: number;
}

export interface ReadResult {
  readonly version: number;
  readonly rows: Record<string, unknown>[];
  /** Data files opened. */
  readonly files: number;
}

/**
 * The snapshot `version` / `asOf` names (latest when neither), loading only that version: its newest
 * checkpoint and the commits after it.
 */
export async function snapshotFor(root: string, options: Pick<ReadOptions, 'version' | 'asOf'>): Promise<Snapshot> {
  if (options.version !== undefined && options.asOf !== undefined) throw new DeltaUsageError('read: give a version or an asOf time, not both');
  if (options.asOf !== undefined) {
    const at = options.asOf instanceof Date ? options.asOf.getTime() : options.asOf;
    return loadVersion(root, await versionAsOf(new LogStore(root), await latestVersion(root), at));
  }
  if (options.version !== undefined && (!Number.isInteger(options.version) || options.version < 0)) throw new DeltaUsageError(`read: version ${options.version} is not a version number`);
  return loadVersion(root, options.version);
}

/** The files of a snapshot that match a partition filter. */
export function selectFiles(snapshot: Snapshot, partitions: Readonly<Record<string, string | null>> | undefined): AddFile[] {
  const columns = new Set(snapshot.meta.partitionColumns);
  for (const name of Object.keys(partitions ?? {})) {
    if (!columns.has(name)) throw new DeltaUsageError(`read: ${name} is not a partition column of ${snapshot.table} (${[...columns].join(', ') || 'none'})`);
  }
  const wanted = Object.entries(partitions ?? {});
  return [...snapshot.files.values()].filter((add) => wanted.every(([name, value]) => (add.partitionValues[name] ?? null) === value));
}

/** Reads the rows of `files` of a table with `columns`, in file order. */
export async function readFiles(root: string, columns: readonly Column[], partitionColumns: readonly string[], files: readonly AddFile[], concurrency = 8): Promise<Record<string, unknown>[]> {
  const partitionSet = new Set(partitionColumns);
  const codec = new ParquetCodec(columns.filter((column) => !partitionSet.has(column.name)));
  const partitionDecoders = columns.filter((column) => partitionSet.has(column.name)).map((column) => ({ name: column.name, decode: compilePartitionDecoder(column) }));
  const order = columns.map((column) => column.name);
  const perFile: Record<string, unknown>[][] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const add = files[index]!;
      const rows = await codec.readFile(join(root, uriToPath(add.path)));
      const partition: Record<string, unknown> = {};
      for (const { name, decode } of partitionDecoders) partition[name] = decode(add.partitionValues[name]);
      perFile[index] = rows.map((row) => {
        const out: Record<string, unknown> = {};
        for (const name of order) out[name] = name in partition ? partition[name] : row[name];
        return out;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
  return perFile.flat();
}

/** Reads the table at `root` (see ReadOptions). */
export async function readTable(root: string, options: ReadOptions = {}): Promise<ReadResult> {
  const snapshot = await snapshotFor(root, options);
  const files = selectFiles(snapshot, options.partitions);
  const columns = parseSchemaString(snapshot.meta.schemaString);
  const rows = await readFiles(root, columns, snapshot.meta.partitionColumns, files, options.concurrency);
  return { version: snapshot.version, rows, files: files.length };
}
