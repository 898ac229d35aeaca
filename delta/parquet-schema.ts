import type { SchemaElement } from 'hyparquet';
import type { Column, ColumnType } from './columns.js';

/**
 * The Parquet schema of a data (or checkpoint) file, flattened depth-first as Parquet's footer stores it.
 * Types follow PROTOCOL.md's "Delta Data Type to Parquet Type Mappings"; both the legacy converted type and
 * the logical type are written, so old and new readers agree. Lists and maps use the standard 3-level
 * layout (`list`/`element`, `key_value`/`key`/`value`) that Spark, DuckDB, Arrow and delta-rs read.
 */

function leaf(name: string, type: ColumnType, repetition: SchemaElement['repetition_type']): SchemaElement {
  const repetition_type = repetition;
  switch (type.kind) {
    case 'boolean':
      return { name, repetition_type, type: 'BOOLEAN' };
    case 'integer':
      return { name, repetition_type, type: 'INT32' };
    case 'long':
      return { name, repetition_type, type: 'INT64' };
    case 'float':
      return { name, repetition_type, type: 'FLOAT' };
    case 'double':
      return { name, repetition_type, type: 'DOUBLE' };
    case 'string':
      return { name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'binary':
      return { name, repetition_type, type: 'BYTE_ARRAY' };
    case 'date':
      return { name, repetition_type, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'timestamp':
      return {
        name,
        repetition_type,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    default:
      throw new Error(`not a primitive type: ${type.kind}`);
  }
}

function elements(name: string, type: ColumnType, nullable: boolean, out: SchemaElement[]): void {
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (type.kind) {
    case 'struct':
      out.push({ name, repetition_type, num_children: type.fields.length });
      for (const field of type.fields) elements(field.name, field.type, field.nullable, out);
      return;
    case 'array':
      out.push({ name, repetition_type, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      elements('element', type.element, type.containsNull, out);
      return;
    case 'map':
      out.push({ name, repetition_type, num_children: 1, converted_type: 'MAP', logical_type: { type: 'MAP' } });
      out.push({ name: 'key_value', repetition_type: 'REPEATED', num_children: 2 });
      out.push(leaf('key', { kind: 'string' }, 'REQUIRED'));
      elements('value', type.value, type.valueContainsNull, out);
      return;
    default:
      out.push(leaf(name, type, repetition_type));
  }
}

/** The flattened Parquet schema of a file holding `columns`. */
export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const column of columns) elements(column.name, column.type, column.nullable, out);
  return out;
}
