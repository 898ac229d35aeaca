import type { Column, ColumnType } from './columns.js';

/**
 * Values read back from Parquet (hyparquet, with parquet-io's parsers) → the typed values the writer took:
 * long as a number, timestamp as epoch milliseconds, bytes as a Buffer, date as days since the epoch,
 * null (never undefined) for a missing value. Partition values come from the log as strings and are
 * typed here too; a `date` partition column keeps its `YYYY-MM-DD` form.
 */

export type Decode = (value: unknown) => unknown;

const identity: Decode = (value) => value;

function toNumber(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

export function compileDecoder(type: ColumnType): Decode {
  const inner = compileNonNull(type);
  return (value) => (value === null || value === undefined ? null : inner(value));
}

function compileNonNull(type: ColumnType): Decode {
  switch (type.kind) {
    case 'long':
    case 'timestamp':
      return toNumber;
    case 'binary':
      return (value) => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);
    case 'struct': {
      const fields = type.fields.map((field) => ({ name: field.name, decode: compileDecoder(field.type) }));
      return (value) => {
        const record = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const { name, decode } of fields) out[name] = decode(record[name]);
        return out;
      };
    }
    case 'array': {
      const element = compileDecoder(type.element);
      return (value) => (value as unknown[]).map(element);
    }
    case 'map': {
      const element = compileDecoder(type.value);
      return (value) => {
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = element(item);
        return out;
      };
    }
    default:
      return identity;
  }
}

/** A partition value from the log (Delta's string form, null for null) → its typed value. */
export function compilePartitionDecoder(column: Column): (value: string | null | undefined) => unknown {
  switch (column.type.kind) {
    case 'integer':
    case 'long':
      return (value) => (value === null || value === undefined || value === '' ? null : Number(value));
    case 'boolean':
      return (value) => (value === null || value === undefined || value === '' ? null : value === 'true');
    default:
      return (value) => (value === null || value === undefined || value === '' ? null : value);
  }
}
