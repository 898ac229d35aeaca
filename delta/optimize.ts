import { ENGINE_INFO, type Action, type AddFile } from './actions.js';
import { parseSchemaString } from './columns.js';
import { commitWithRetry, nextCommitTimestamp } from './commit.js';
import { writeDataFile } from './data-files.js';
import { DeltaTable } from './delta-table.js';
import { DeltaConflictError } from './errors.js';
import { ParquetCodec } from './parquet-codec.js';
import type { Snapshot } from './snapshot.js';
import { readFiles } from './table-reader.js';

/**
 * Compaction (OPTIMIZE): in each partition holding two or more files smaller than the target size, the
 * small files are rewritten into files of up to about the target size, committed as one new version of
 * `remove` and `add` actions with `dataChange: false` — the rows are unchanged, so streaming readers of the
 * log skip the version. Older versions keep their files until vacuum. Rows keep their order: source files
 * in commit order, rows in file order. A concurrent commit that removed a source file makes this one fail
 * with a retriable DeltaConflictError; concurrent appends do not conflict.
 */

export interface OptimizeOptions {
  /** Files at or above this size are left alone; compacted files are filled up to about it. Default 128 MiB. */
  readonly targetFileBytes?: number;
  /** Compact only partitions with these values (serialised form). */
  readonly partitions?: Readonly<Record<string, string | null>>;
}

export interface OptimizeResult {
  /** The version committed, or undefined when no partition needed compaction. */
  readonly version: number | undefined;
  readonly partitionsOptimized: number;
  readonly filesRemoved: number;
  readonly filesAdded: number;
  readonly rows: number;
  readonly bytesRemoved: number;
  readonly bytesAdded: number;
}

export const DEFAULT_TARGET_FILE_BYTES = 128 * 1024 * 1024;

/** Groups of small files to merge: per partition, consecutive files until the target size. */
function plan(snapshot: Snapshot, options: OptimizeOptions, target: number): AddFile[][] {
  const wanted = Object.entries(options.partitions ?? {});
  const byPartition = new Map<string, AddFile[]>();
  for (const add of snapshot.files.values()) {
    if (add.size >= target || !wanted.every(([name, value]) => (add.partitionValues[name] ?? null) === value)) continue;
    const key = JSON.stringify(snapshot.meta.partitionColumns.map((name) => add.partitionValues[name] ?? null));
    (byPartition.get(key) ?? byPartition.set(key, []).get(key)!).push(add);
  }
  const bins: AddFile[][] = [];
  for (const files of byPartition.values()) {
    let bin: AddFile[] = [];
    let size = 0;
    for (const file of files) {
      if (bin.length > 0 && size + file.size > target) {
        bins.push(bin);
        bin = [];
        size = 0;
      }
      bin.push(file);
      size += file.size;
    }
    bins.push(bin);
  }
  return bins.filter((bin) => bin.length >= 2);
}

export async function optimize(root: string, options: OptimizeOptions = {}): Promise<OptimizeResult> {
  const target = options.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES;
  const table = await DeltaTable.open(root);
  let bins: AddFile[][] | undefined;
  let outputs: { sources: AddFile[]; add: AddFile; rows: number }[] = [];

  const committed = await commitWithRetry(table, async (snapshot) => {
    if (bins === undefined) {
      bins = plan(snapshot, options, target);
      const columns = parseSchemaString(snapshot.meta.schemaString);
      const partitionColumns = snapshot.meta.partitionColumns;
      const codec = new ParquetCodec(columns.filter((column) => !partitionColumns.includes(column.name)));
      outputs = [];
      for (const sources of bins) {
        const rows = await readFiles(root, columns, partitionColumns, sources);
        const add = await writeDataFile(codec, {
          root,
          partitionColumns,
          partitionValues: sources[0]!.partitionValues,
          rows,
          salt: `optimize|${sources.map((source) => source.path).join('|')}`,
          modificationTime: Math.max(...sources.map((source) => source.modificationTime)),
          dataChange: false,
        });
        outputs.push({ sources, add, rows: rows.length });
      }
    } else {
      const gone = outputs.flatMap((output) => output.sources).find((source) => !snapshot.files.has(source.path));
      if (gone) throw new DeltaConflictError(`optimize of ${root}: a concurrent commit removed ${gone.path}; run optimize again`, { context: { table: root, version: snapshot.version, file: gone.path } });
    }
    if (outputs.length === 0) return { skip: undefined };
    return { actions: optimizeActions(snapshot, outputs), result: undefined };
  });

  const removed = outputs.flatMap((output) => output.sources);
  return {
    version: committed.version,
    partitionsOptimized: new Set(outputs.map((output) => JSON.stringify(output.add.partitionValues))).size,
    filesRemoved: removed.length,
    filesAdded: outputs.length,
    rows: outputs.reduce((sum, output) => sum + output.rows, 0),
    bytesRemoved: removed.reduce((sum, file) => sum + file.size, 0),
    bytesAdded: outputs.reduce((sum, output) => sum + output.add.size, 0),
  };
}

function optimizeActions(snapshot: Snapshot, outputs: readonly { sources: AddFile[]; add: AddFile; rows: number }[]): Action[] {
  const timestamp = nextCommitTimestamp(snapshot, undefined);
  const removed = outputs.flatMap((output) => output.sources);
  const actions: Action[] = [
    {
      commitInfo: {
        timestamp,
        operation: 'OPTIMIZE',
        operationParameters: { predicate: '[]', zOrderBy: '[]' },
        readVersion: snapshot.version,
        isBlindAppend: false,
        operationMetrics: {
          numRemovedFiles: String(removed.length),
          numAddedFiles: String(outputs.length),
          numRemovedBytes: String(removed.reduce((sum, file) => sum + file.size, 0)),
          numAddedBytes: String(outputs.reduce((sum, output) => sum + output.add.size, 0)),
        },
        engineInfo: ENGINE_INFO,
      },
    },
  ];
  for (const file of removed) {
    actions.push({
      remove: { path: file.path, deletionTimestamp: timestamp, dataChange: false, extendedFileMetadata: true, partitionValues: file.partitionValues, size: file.size, stats: file.stats },
    });
  }
  for (const output of outputs) actions.push({ add: output.add });
  return actions;
}
