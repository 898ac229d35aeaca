import { DeltaSchemaError } from './errors.js';

/**
 * The table's column model: the subset of Delta (Spark SQL) types this library writes, and its
 * serialisation as the `schemaString` of the `metaData` action (PROTOCOL.md, "Schema Serialization Format").
 * The Parquet schema (parquet-schema.ts) and the Avro mapping (avro-mapping.ts) are both derived from it,
 * so a table reopened from its log alone can be read, compacted and appended to.
 */

export type PrimitiveKind = 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'date' | 'timestamp';

export type ColumnType =
  | { readonly kind: PrimitiveKind }
  | { readonly kind: 'struct'; readonly fields: readonly Column[] }
  | { readonly kind: 'array'; readonly element: ColumnType; readonly containsNull: boolean }
  | { readonly kind: 'map'; readonly value: ColumnType; readonly valueContainsNull: boolean };

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Column metadata as written in the schema string (e.g. `comment`). */
  readonly metadata: Readonly<Record<string, string>>;
}

const primitives: ReadonlySet<string> = new Set<PrimitiveKind>(['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'date', 'timestamp']);

export const isPrimitive = (type: ColumnType): type is { readonly kind: PrimitiveKind } => primitives.has(type.kind);

/** Spark's JSON for a type, with keys in the order Spark writes them (the log must be byte-reproducible). */
function typeToJson(type: ColumnType): unknown {
  switch (type.kind) {
    case 'struct':
      return { type: 'struct', fields: type.fields.map(columnToJson) };
    case 'array':
      return { type: 'array', elementType: typeToJson(type.element), containsNull: type.containsNull };
    case 'map':
      return { type: 'map', keyType: 'string', valueType: typeToJson(type.value), valueContainsNull: type.valueContainsNull };
    default:
      return type.kind;
  }
}

function columnToJson(column: Column): unknown {
  return { name: column.name, type: typeToJson(column.type), nullable: column.nullable, metadata: column.metadata };
}

/** The `schemaString` of the metaData action: a one-line JSON struct. */
export function schemaString(columns: readonly Column[]): string {
  return JSON.stringify({ type: 'struct', fields: columns.map(columnToJson) });
}

function fail(message: string, at: string): never {
  throw new DeltaSchemaError(`schemaString ${at}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeFromJson(json: unknown, at: string): ColumnType {
  if (typeof json === 'string') {
    if (!primitives.has(json)) fail(`type "${json}" is not supported by this library`, at);
    return { kind: json as PrimitiveKind };
  }
  if (!isObject(json)) fail('a type must be a name or an object', at);
  switch (json.type) {
    case 'struct':
      if (!Array.isArray(json.fields)) fail('struct without fields', at);
      return { kind: 'struct', fields: json.fields.map((field, i) => columnFromJson(field, `${at}.fields[${i}]`)) };
    case 'array':
      return { kind: 'array', element: typeFromJson(json.elementType, `${at}.elementType`), containsNull: json.containsNull === true };
    case 'map':
      if (json.keyType !== 'string') fail('only maps with string keys are supported', at);
      return { kind: 'map', value: typeFromJson(json.valueType, `${at}.valueType`), valueContainsNull: json.valueContainsNull === true };
    default:
      return fail(`type ${JSON.stringify(json.type)} is not supported by this library`, at);
  }
}

function columnFromJson(json: unknown, at: string): Column {
  if (!isObject(json) || typeof json.name !== 'string') fail('a field needs a name', at);
  const metadata: Record<string, string> = {};
  if (isObject(json.metadata)) {
    for (const [key, value] of Object.entries(json.metadata)) if (typeof value === 'string') metadata[key] = value;
  }
  return { name: json.name, type: typeFromJson(json.type, `${at}.type`), nullable: json.nullable !== false, metadata };
}

/** Parses a table's `schemaString` back to columns; rejects types this library does not write. */
export function parseSchemaString(text: string): Column[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeltaSchemaError(`schemaString is not JSON: ${(cause as Error).message}`, { cause });
  }
  const root = typeFromJson(json, '$');
  if (root.kind !== 'struct') fail('the root must be a struct', '$');
  return [...root.fields];
}
