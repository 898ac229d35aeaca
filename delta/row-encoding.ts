import type { Column, ColumnType } from './columns.js';

/**
 * Typed record values → the values hyparquet-writer encodes, checked against the column types on the way.
 * Typed values are what Weir's codecs produce: long as a number (or bigint), timestamp as epoch
 * milliseconds (or a Date), bytes as a Buffer/Uint8Array, date as days since the epoch, enum as its symbol.
 * A misfit throws a ValueMisfit naming the field path; the writer adds the record's origin.
 */

export class ValueMisfit extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly found: unknown,
  ) {
    super(`${field}: expected ${expected}, found ${describe(found)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (missing)';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}

export type Encode = (value: unknown, path: string) => unknown;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt64(value: unknown, path: string, expected: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return value;
  throw new ValueMisfit(path, expected, value);
}

function primitive(type: ColumnType): Encode {
  switch (type.kind) {
    case 'boolean':
      return (v, path) => {
        if (typeof v !== 'boolean') throw new ValueMisfit(path, 'a boolean', v);
        return v;
      };
    case 'integer':
      return (v, path) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new ValueMisfit(path, 'a 32-bit integer', v);
        return v;
      };
    case 'date':
      return (v, path) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValueMisfit(path, 'a date (days since 1970-01-01)', v);
        return v;
      };
    case 'long':
      return (v, path) => toInt64(v, path, 'a 64-bit integer');
    case 'timestamp':
      return (v, path) => toInt64(v instanceof Date ? v.getTime() : v, path, 'epoch milliseconds') * 1000n;
    case 'float':
    case 'double':
      return (v, path) => {
        if (typeof v !== 'number') throw new ValueMisfit(path, 'a number', v);
        return v;
      };
    case 'string':
      return (v, path) => {
        if (typeof v !== 'string') throw new ValueMisfit(path, 'a string', v);
        return v;
      };
    case 'binary':
      return (v, path) => {
        if (!(v instanceof Uint8Array)) throw new ValueMisfit(path, 'bytes', v);
        return v;
      };
    default:
      throw new Error(`not a primitive type: ${type.kind}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Map);
}

/** An encoder for a value of `type`; `nullable` says whether null (or a missing value) is allowed. */
export function compileEncoder(type: ColumnType, nullable: boolean): Encode {
  const inner = compileNonNull(type);
  if (nullable) return (v, path) => (v === null || v === undefined ? null : inner(v, path));
  return (v, path) => {
    if (v === null || v === undefined) throw new ValueMisfit(path, `a ${type.kind} (the column is not nullable)`, v);
    return inner(v, path);
  };
}

function compileNonNull(type: ColumnType): Encode {
  switch (type.kind) {
    case 'struct': {
      // Fields the schema does not declare are left out, as an Avro reader projects a writer's record.
      const fields = type.fields.map((field) => ({ name: field.name, encode: compileEncoder(field.type, field.nullable) }));
      return (v, path) => {
        if (!isPlainObject(v)) throw new ValueMisfit(path, 'a record', v);
        const out: Record<string, unknown> = {};
        for (const { name, encode } of fields) out[name] = encode(v[name], `${path}.${name}`);
        return out;
      };
    }
    case 'array': {
      const element = compileEncoder(type.element, type.containsNull);
      return (v, path) => {
        if (!Array.isArray(v)) throw new ValueMisfit(path, 'an array', v);
        return v.map((item, i) => element(item, `${path}[${i}]`));
      };
    }
    case 'map': {
      const value = compileEncoder(type.value, type.valueContainsNull);
      return (v, path) => {
        const entries = v instanceof Map ? [...v.entries()] : isPlainObject(v) ? Object.entries(v) : undefined;
        if (!entries) throw new ValueMisfit(path, 'a map', v);
        return entries.map(([key, item]) => {
          if (typeof key !== 'string') throw new ValueMisfit(`${path}{}`, 'string map keys', key);
          return { key, value: value(item, `${path}{${key}}`) };
        });
      };
    }
    default:
      return primitive(type);
  }
}

export interface ColumnEncoder {
  readonly name: string;
  readonly encode: Encode;
}

export function compileColumnEncoders(columns: readonly Column[]): ColumnEncoder[] {
  return columns.map((column) => ({ name: column.name, encode: compileEncoder(column.type, column.nullable) }));
}
