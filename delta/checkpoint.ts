import { readFile } from 'node:fs/promises';
import type { Action, AddFile, Metadata, Protocol, RemoveFile, Txn } from './actions.js';
import type { Column, ColumnType } from './columns.js';
import { DeltaLogError } from './errors.js';
import { writeFileAtomic, type LastCheckpoint, type LogStore } from './log-store.js';
import { ParquetCodec } from './parquet-codec.js';
import type { Snapshot } from './snapshot.js';

/**
 * Classic V1 checkpoints (`NNNNNNNNNNNNNNNNNNNN.checkpoint.parquet`, PROTOCOL.md "Checkpoints" and "Checkpoint
 * Schema"): one row per action of the reconciled state — protocol, metaData, every txn, every live add and
 * the unexpired remove tombstones — each action in its own struct column. Stats stay JSON strings
 * (`delta.checkpoint.writeStatsAsJson`, the default). The content is a function of the snapshot only; tombstone
 * expiry is measured on the table's commit clock, so two runs write identical checkpoints.
 */

/** A checkpoint is written after every version that is a multiple of this (Delta's `delta.checkpointInterval` default). */
export const CHECKPOINT_INTERVAL = 10;
/** Tombstones are kept in checkpoints this long after their removal (`delta.deletedFileRetentionDuration` default, 1 week). */
export const TOMBSTONE_RETENTION_MS = 7 * 24 * 3_600_000;

const col = (name: string, type: ColumnType): Column => ({ name, type, nullable: true, metadata: {} });
const str: ColumnType = { kind: 'string' };
const long: ColumnType = { kind: 'long' };
const bool: ColumnType = { kind: 'boolean' };
const stringMap: ColumnType = { kind: 'map', value: str, valueContainsNull: true };
const struct = (...fields: Column[]): ColumnType => ({ kind: 'struct', fields });

export const CHECKPOINT_COLUMNS: readonly Column[] = [
  col('txn', struct(col('appId', str), col('version', long), col('lastUpdated', long))),
  col(
    'add',
    struct(
      col('path', str),
      col('partitionValues', stringMap),
      col('size', long),
      col('modificationTime', long),
      col('dataChange', bool),
      col('stats', str),
      col('tags', stringMap),
    ),
  ),
  col(
    'remove',
    struct(
      col('path', str),
      col('deletionTimestamp', long),
      col('dataChange', bool),
      col('extendedFileMetadata', bool),
      col('partitionValues', stringMap),
      col('size', long),
    ),
  ),
  col(
    'metaData',
    struct(
      col('id', str),
      col('name', str),
      col('description', str),
      col('format', struct(col('provider', str), col('options', stringMap))),
      col('schemaString', str),
      col('partitionColumns', { kind: 'array', element: str, containsNull: true }),
      col('createdTime', long),
      col('configuration', stringMap),
    ),
  ),
  col('protocol', struct(col('minReaderVersion', { kind: 'integer' }), col('minWriterVersion', { kind: 'integer' }))),
];

const codec = new ParquetCodec(CHECKPOINT_COLUMNS);
const emptyRow = { txn: null, add: null, remove: null, metaData: null, protocol: null };

/** The checkpoint rows of a snapshot, in a fixed order. */
export function checkpointActions(snapshot: Snapshot): Action[] {
  const expiry = snapshot.timestamp - TOMBSTONE_RETENTION_MS;
  const actions: Action[] = [{ protocol: snapshot.protocol! }, { metaData: snapshot.meta }];
  for (const appId of [...snapshot.txns.keys()].sort()) actions.push({ txn: snapshot.txns.get(appId)! });
  for (const add of snapshot.files.values()) actions.push({ add });
  for (const remove of snapshot.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) >= expiry) actions.push({ remove });
  }
  return actions;
}

/** Writes the checkpoint of `snapshot` and points `_last_checkpoint` at it. */
export async function writeCheckpoint(store: LogStore, snapshot: Snapshot): Promise<LastCheckpoint> {
  const actions = checkpointActions(snapshot);
  const rows = actions.map((action) => ({ ...emptyRow, ...action }));
  const bytes = codec.encode(rows);
  await writeFileAtomic(store.checkpointPath(snapshot.version), bytes);
  const info: LastCheckpoint = {
    version: snapshot.version,
    size: actions.length,
    sizeInBytes: bytes.byteLength,
    numOfAddFiles: snapshot.files.size,
  };
  await store.writeLastCheckpoint(info);
  return info;
}

/** Drops null fields, which the checkpoint's columns hold for what the JSON action left out. */
function present<T>(value: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== null && item !== undefined) out[key] = item;
  return out as T;
}

/** The actions stored in the checkpoint of `version`. */
export async function readCheckpoint(store: LogStore, version: number): Promise<Action[]> {
  const path = store.checkpointPath(version);
  let rows: Record<string, unknown>[];
  try {
    rows = await codec.decode(await readFile(path));
  } catch (cause) {
    throw new DeltaLogError(`checkpoint ${path} cannot be read: ${(cause as Error).message}`, { context: { table: store.root, version, file: path }, cause });
  }
  const actions: Action[] = [];
  for (const row of rows) {
    if (row.txn) actions.push({ txn: present<Txn>(row.txn as Record<string, unknown>) });
    else if (row.add) {
      const add = present<AddFile>(row.add as Record<string, unknown>);
      actions.push({ add: { ...add, partitionValues: add.partitionValues ?? {} } });
    }
    else if (row.remove) actions.push({ remove: present<RemoveFile>(row.remove as Record<string, unknown>) });
    else if (row.metaData) {
      const meta = present<Metadata>(row.metaData as Record<string, unknown>);
      actions.push({ metaData: { ...meta, format: present(meta.format as unknown as Record<string, unknown>), configuration: meta.configuration ?? {} } });
    } else if (row.protocol) actions.push({ protocol: present<Protocol>(row.protocol as Record<string, unknown>) });
  }
  return actions;
}
