import type { Column, ColumnType } from './columns.js';
import { DeltaSchemaError } from './errors.js';

/**
 * Maps an Avro record schema (the parsed JSON of a `.avsc`) to table columns. The typed values the sink
 * receives are the ones Weir's codecs produce: long as a number, bytes as a Buffer, timestamp-millis as
 * epoch milliseconds, enum as its symbol, `["null", T]` as null or T.
 *
 * | Avro                                   | Delta type (schemaString)        | Parquet (data files)                          |
 * | -------------------------------------- | -------------------------------- | --------------------------------------------- |
 * | boolean / int / long                   | boolean / integer / long         | BOOLEAN / INT32 / INT64                       |
 * | float / double                         | float / double                   | FLOAT / DOUBLE                                |
 * | string, enum, {string, uuid}           | string                           | BYTE_ARRAY, UTF8 (STRING)                     |
 * | bytes, fixed                           | binary                           | BYTE_ARRAY                                    |
 * | {int, date}                            | date                             | INT32, DATE                                   |
 * | {long, timestamp-millis / -micros}     | timestamp (UTC, microseconds)    | INT64, TIMESTAMP(isAdjustedToUTC, MICROS)     |
 * | ["null", T] or [T, "null"]             | T with nullable: true            | OPTIONAL T                                    |
 * | record                                 | struct                           | group                                         |
 * | array<T>                               | array (containsNull if T nullable)| 3-level LIST (list / element)                |
 * | map<T>                                 | map<string, T>                   | 3-level MAP (key_value / key, value)          |
 *
 * A plain `long` stays `long` even when it holds epoch milliseconds: only the logical type makes a
 * timestamp, so no number is reinterpreted by guesswork. Other logical types (time-*, local-timestamp-*,
 * decimal) fall back to their underlying Avro type, as the Avro specification prescribes for types a
 * reader does not know. Unions of two or more non-null branches have no Delta counterpart and are rejected.
 * A field's `doc` becomes the column's `comment` metadata, which Spark shows as the column comment.
 */

type AvroJson = string | AvroObject | AvroJson[];
interface AvroObject {
  readonly type: AvroJson;
  readonly [key: string]: unknown;
}

const primitiveTypes: Readonly<Record<string, ColumnType>> = {
  boolean: { kind: 'boolean' },
  int: { kind: 'integer' },
  long: { kind: 'long' },
  float: { kind: 'float' },
  double: { kind: 'double' },
  string: { kind: 'string' },
  bytes: { kind: 'binary' },
};

interface Mapped {
  readonly type: ColumnType;
  readonly nullable: boolean;
}

class AvroMapper {
  /** Named types (records, enums, fixed) by full name and by simple name, for later references. */
  private readonly named = new Map<string, ColumnType>();
  /** Records whose fields are being mapped: a reference to one of them is a recursive type. */
  private readonly open = new Set<ColumnType>();

  map(schema: AvroJson, at: string, namespace: string | undefined): Mapped {
    if (Array.isArray(schema)) return this.union(schema, at, namespace);
    if (typeof schema === 'string') return { type: this.reference(schema, at, namespace), nullable: false };
    if (typeof schema !== 'object' || schema === null) throw this.error('a type must be a name, an object or a union', at);
    return { type: this.complex(schema, at, namespace), nullable: false };
  }

  record(schema: AvroObject, at: string, namespace: string | undefined): Column[] {
    if (schema.type !== 'record') throw this.error(`expected a record, found ${JSON.stringify(schema.type)}`, at);
    const type = this.complex(schema, at, namespace);
    return type.kind === 'struct' ? [...type.fields] : [];
  }

  private reference(name: string, at: string, namespace: string | undefined): ColumnType {
    const primitive = primitiveTypes[name];
    if (primitive) return primitive;
    if (name === 'null') throw this.error('a field that is always null has no Delta type', at);
    const found = this.named.get(name) ?? (namespace ? this.named.get(`${namespace}.${name}`) : undefined);
    if (!found) throw this.error(`unknown type name "${name}"`, at);
    if (this.open.has(found)) throw this.error(`recursive reference to "${name}" has no Delta type`, at);
    return found;
  }

  private union(branches: readonly AvroJson[], at: string, namespace: string | undefined): Mapped {
    const nonNull = branches.filter((branch) => branch !== 'null');
    if (nonNull.length !== 1) {
      throw this.error(`union ${JSON.stringify(branches)} has ${nonNull.length} non-null branches; only T and ["null", T] map to Delta`, at);
    }
    const inner = this.map(nonNull[0]!, at, namespace);
    return { type: inner.type, nullable: inner.nullable || nonNull.length < branches.length };
  }

  private complex(schema: AvroObject, at: string, namespace: string | undefined): ColumnType {
    const logical = typeof schema.logicalType === 'string' ? schema.logicalType : undefined;
    switch (schema.type) {
      case 'record':
        return this.struct(schema, at, namespace);
      case 'enum':
        return this.define(schema, { kind: 'string' }, namespace);
      case 'fixed':
        return this.define(schema, { kind: 'binary' }, namespace);
      case 'array': {
        const items = this.map(schema.items as AvroJson, `${at}[]`, namespace);
        return { kind: 'array', element: items.type, containsNull: items.nullable };
      }
      case 'map': {
        const values = this.map(schema.values as AvroJson, `${at}{}`, namespace);
        return { kind: 'map', value: values.type, valueContainsNull: values.nullable };
      }
      case 'long':
        return logical === 'timestamp-millis' || logical === 'timestamp-micros' ? { kind: 'timestamp' } : { kind: 'long' };
      case 'int':
        return logical === 'date' ? { kind: 'date' } : { kind: 'integer' };
      default:
        if (typeof schema.type === 'string' && primitiveTypes[schema.type]) return primitiveTypes[schema.type]!;
        // `{ "type": <another type> }` wraps a full type, e.g. a named reference or a union.
        return this.map(schema.type, at, namespace).type;
    }
  }

  private struct(schema: AvroObject, at: string, outer: string | undefined): ColumnType {
    const namespace = this.namespaceOf(schema, outer);
    if (!Array.isArray(schema.fields)) throw this.error('record without fields', at);
    const fields: Column[] = [];
    // Registered before the fields are mapped, so a recursive reference is reported rather than looping.
    const placeholder = { kind: 'struct' as const, fields };
    this.define(schema, placeholder, outer);
    this.open.add(placeholder);
    for (const [i, field] of (schema.fields as unknown[]).entries()) {
      if (typeof field !== 'object' || field === null || typeof (field as { name?: unknown }).name !== 'string') {
        throw this.error(`field ${i} has no name`, at);
      }
      const { name, type, doc } = field as { name: string; type: AvroJson; doc?: unknown };
      const path = at === '' ? name : `${at}.${name}`;
      const mapped = this.map(type, path, namespace);
      fields.push({ name, type: mapped.type, nullable: mapped.nullable, metadata: typeof doc === 'string' ? { comment: doc } : {} });
    }
    this.open.delete(placeholder);
    return placeholder;
  }

  private define(schema: AvroObject, type: ColumnType, outer: string | undefined): ColumnType {
    if (typeof schema.name === 'string') {
      const namespace = this.namespaceOf(schema, outer);
      const simple = schema.name.includes('.') ? schema.name.slice(schema.name.lastIndexOf('.') + 1) : schema.name;
      this.named.set(schema.name.includes('.') || !namespace ? schema.name : `${namespace}.${schema.name}`, type);
      this.named.set(simple, type);
    }
    return type;
  }

  private namespaceOf(schema: AvroObject, outer: string | undefined): string | undefined {
    if (typeof schema.name === 'string' && schema.name.includes('.')) return schema.name.slice(0, schema.name.lastIndexOf('.'));
    return typeof schema.namespace === 'string' ? schema.namespace : outer;
  }

  private error(message: string, at: string): DeltaSchemaError {
    return new DeltaSchemaError(`Avro schema${at === '' ? '' : ` at ${at}`}: ${message}`, { context: at === '' ? {} : { field: at } });
  }
}

/** The columns of an Avro record schema, in field order. */
export function avroRecordColumns(schema: unknown): Column[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new DeltaSchemaError('Avro schema: the table schema must be a record object');
  }
  return new AvroMapper().record(schema as AvroObject, '', undefined);
}

/** The record's simple name (`EdgeEvent` for `weir.ingest.EdgeEvent`). */
export function avroRecordName(schema: unknown): string {
  const name = (schema as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name === '') throw new DeltaSchemaError('Avro schema: the record has no name');
  return name.slice(name.lastIndexOf('.') + 1);
}
