import type { Column, ColumnType } from './columns.js';
import { DeltaRecordError, DeltaSchemaError } from './errors.js';

/**
 * How records become table rows and which directory each row's file goes to.
 *
 * Partition columns are named in `partitionBy` (default `tenant`, `kind`, `date`). A name that is a
 * top-level field of the record partitions by that field. Two names are derived when the record has no
 * such field: `date`, the UTC calendar date of the event-time field (`date=YYYY-MM-DD` directories), and
 * `kind`, the record schema's name (e.g. `EdgeEvent`), so tables of different record kinds lay out alike.
 * Derived columns are appended to the table schema; like every partition column they live in the log's
 * `partitionValues` and directory names, never inside the Parquet files (the Delta convention).
 */

export interface LayoutOptions {
  /** Partition columns, outermost directory first. Default `['tenant', 'kind', 'date']`; `[]` for none. */
  readonly partitionBy?: readonly string[];
  /** Field holding the event time (timestamp or epoch-millisecond long) that `date` derives from. Default `event_time`. */
  readonly eventTimeField?: string;
  /** Value of a derived `kind` column: the record schema's name. */
  readonly kind: string;
}

export const DEFAULT_PARTITION_BY: readonly string[] = ['tenant', 'kind', 'date'];
export const DEFAULT_EVENT_TIME_FIELD = 'event_time';
const partitionableKinds = new Set(['string', 'integer', 'long', 'boolean', 'date']);
const DAY_MS = 86_400_000;

export type TableRow = Record<string, unknown>;
type PartitionValue = (row: TableRow) => string | null;

export interface TableLayout {
  /** Every column of the table, data columns first, then derived partition columns. */
  readonly columns: readonly Column[];
  readonly partitionColumns: readonly string[];
  /** The columns stored in Parquet files: all but the partition columns. */
  readonly dataColumns: readonly Column[];
  /** Field whose maximum per file gives the file's `modificationTime`, and per commit the commit timestamp. */
  readonly eventTimeField: string | undefined;
  /** Serialised partition values of a row (Delta's string form; null for a null value). */
  partitionValues(row: TableRow): Record<string, string | null>;
}

const recentDates = new Map<number, string>();

/** The UTC calendar date of epoch milliseconds, as Delta serialises dates: `YYYY-MM-DD` (memoised per day). */
export function utcDate(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS);
  let date = recentDates.get(day);
  if (date === undefined) {
    if (recentDates.size >= 4096) recentDates.clear();
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    recentDates.set(day, date);
  }
  return date;
}

function serialise(type: ColumnType, value: unknown, column: string): string | null {
  if (value === null || value === undefined) return null;
  if (type.kind === 'date') return typeof value === 'number' ? utcDate(value * DAY_MS) : String(value);
  if (typeof value === 'string') return value === '' ? null : value; // Delta reads an empty partition value as null
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new DeltaRecordError(`partition column ${column} holds a ${typeof value}, not a ${type.kind}`, { context: { field: column } });
}

/** Builds the layout of a table whose records have `recordColumns`. */
export function tableLayout(recordColumns: readonly Column[], options: LayoutOptions): TableLayout {
  const partitionBy = options.partitionBy ?? DEFAULT_PARTITION_BY;
  const eventTimeField = options.eventTimeField ?? DEFAULT_EVENT_TIME_FIELD;
  const byName = new Map(recordColumns.map((column) => [column.name, column]));
  const eventTime = byName.get(eventTimeField);
  const hasEventTime = eventTime !== undefined && (eventTime.type.kind === 'timestamp' || eventTime.type.kind === 'long');
  if (new Set(partitionBy).size !== partitionBy.length) throw new DeltaSchemaError(`partitionBy ${JSON.stringify(partitionBy)} names a column twice`);

  const derived: Column[] = [];
  const values: [string, PartitionValue][] = [];
  for (const name of partitionBy) {
    const field = byName.get(name);
    if (field) {
      if (!partitionableKinds.has(field.type.kind)) {
        throw new DeltaSchemaError(`partition column ${name} has type ${field.type.kind}; partition by a string, integer, long, boolean or date field`);
      }
      values.push([name, (row) => serialise(field.type, row[name], name)]);
    } else if (name === 'date') {
      if (!hasEventTime) throw new DeltaSchemaError(`partition column date derives from the event-time field ${eventTimeField}, which the record lacks (or is not a timestamp or long)`);
      derived.push({ name, type: { kind: 'date' }, nullable: eventTime.nullable, metadata: { comment: `UTC date of ${eventTimeField} (derived partition column)` } });
      values.push([name, (row) => eventTimeDate(row, eventTimeField)]);
    } else if (name === 'kind') {
      const kind = options.kind;
      derived.push({ name, type: { kind: 'string' }, nullable: false, metadata: { comment: 'record kind: the Avro record name (derived partition column)' } });
      values.push([name, () => kind]);
    } else {
      throw new DeltaSchemaError(`partition column ${name} is not a field of the record (only date and kind can be derived)`);
    }
  }
  const partitionColumns = [...partitionBy];
  const partitionSet = new Set(partitionColumns);
  return {
    columns: [...recordColumns, ...derived],
    partitionColumns,
    dataColumns: recordColumns.filter((column) => !partitionSet.has(column.name)),
    eventTimeField: hasEventTime ? eventTimeField : undefined,
    partitionValues(row) {
      const out: Record<string, string | null> = {};
      for (const [name, value] of values) out[name] = value(row);
      return out;
    },
  };
}

function eventTimeDate(row: TableRow, field: string): string | null {
  const value = row[field];
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'bigint' ? Number(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new DeltaRecordError(`event-time field ${field} must be epoch milliseconds, found ${typeof value}`, { context: { field } });
  }
  return utcDate(ms);
}

/** Hive's escaping of a partition directory name (the convention Spark and delta-rs share). */
export function escapePartitionValue(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(char) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : char;
  }
  return out;
}

export const NULL_PARTITION_DIRECTORY_VALUE = '__HIVE_DEFAULT_PARTITION__';

/** The partition directory of a file, e.g. `tenant=acme/kind=EdgeEvent/date=2024-05-01` ('' when unpartitioned). */
export function partitionDirectory(columns: readonly string[], values: Readonly<Record<string, string | null>>): string {
  return columns.map((name) => `${escapePartitionValue(name)}=${escapePartitionValue(values[name] ?? NULL_PARTITION_DIRECTORY_VALUE)}`).join('/');
}

/**
 * The `path` of an add action: a relative URI (RFC 2396), so the file-system name is percent-encoded
 * once more (a Hive escape `%3A` becomes `%253A`). Readers decode it back to the file name.
 */
export function pathToUri(relativePath: string): string {
  return relativePath
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%3D/g, '='))
    .join('/');
}

export function uriToPath(uri: string): string {
  return uri.split('/').map(decodeURIComponent).join('/');
}
