import { formatPath, type PathSegment } from '../contracts/field-path.js';
import type { Type, types } from 'avsc';
import { parseArrayRules, parseNumberRules, parseRecordRules, parseStringRules, type ArrayRules, type NumberRules, type RecordRules, type StringRules } from './constraint-rules.js';

/**
 * The Avro subset Weir's schemas use, as a typed tree with each node's `constraints` attached.
 * avsc parses and checks the schema; this tree is what the reader, the JSON mapping and the
 * constraint checks walk. Anything outside the subset fails at load, so every walker is total:
 * primitives, enums, arrays (of items at least one byte wide), records, and `["null", T]` unions.
 */
export type SchemaNode =
  | { readonly kind: 'null' | 'boolean' | 'bytes' }
  | { readonly kind: 'int' | 'long' | 'float' | 'double'; readonly rules: NumberRules }
  | { readonly kind: 'string'; readonly rules: StringRules }
  | { readonly kind: 'enum'; readonly symbols: readonly string[] }
  | { readonly kind: 'array'; readonly items: SchemaNode; readonly rules: ArrayRules }
  | { readonly kind: 'nullable'; readonly type: SchemaNode }
  | RecordNode;

export interface RecordNode {
  readonly kind: 'record';
  readonly name: string;
  readonly fields: readonly FieldNode[];
  readonly rules: RecordRules;
}

export interface FieldNode {
  readonly name: string;
  readonly type: SchemaNode;
  /** A fresh copy of the field's default; undefined when the field has none (it is required). */
  readonly defaultValue: (() => unknown) | undefined;
}

/** A field path as a list: field names and array indices. */
/** Builds the tree of a parsed record schema; `raw` is the .avsc JSON, read for the `constraints` attributes. */
export function schemaTree(type: Type, raw: unknown, file: string): RecordNode {
  const tree = build(type, raw, undefined, { file, path: [] });
  if (tree.kind !== 'record') throw new TypeError(`${file}: the top-level type must be a record`);
  return tree;
}

interface Where {
  readonly file: string;
  readonly path: readonly PathSegment[];
}

function build(type: Type, raw: unknown, rules: unknown, where: Where): SchemaNode {
  const at = `${where.file}${where.path.length === 0 ? '' : ` (${formatPath(where.path)})`}`;
  switch (type.typeName) {
    case 'null':
    case 'boolean':
    case 'bytes':
      noRules(rules, at, type.typeName);
      return { kind: type.typeName };
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return { kind: type.typeName, rules: parseNumberRules(rules, at) };
    case 'string':
      return { kind: 'string', rules: parseStringRules(rules, at) };
    case 'enum':
      noRules(rules, at, 'enum');
      return { kind: 'enum', symbols: (type as types.EnumType).symbols };
    case 'array': {
      const { items: itemRules, ...arrayRules } = parseArrayRules(rules, at);
      const items = build((type as types.ArrayType).itemsType, attribute(raw, 'items'), itemRules, where);
      if (zeroWidth(items)) throw new TypeError(`${at}: array items must take at least one byte (a bounded read relies on it)`);
      if (arrayRules.uniqueItems === true && !['string', 'enum', 'int', 'long', 'float', 'double'].includes(items.kind)) throw new TypeError(`${at}: uniqueItems needs string, enum or number items`);
      return { kind: 'array', items, rules: arrayRules };
    }
    case 'union:unwrapped': {
      const branches = (type as types.UnwrappedUnionType).types;
      if (branches.length !== 2 || branches[0]?.typeName !== 'null' || !Array.isArray(raw)) throw new TypeError(`${at}: only ["null", T] unions are supported`);
      return { kind: 'nullable', type: build(branches[1] as Type, raw[1], rules, where) };
    }
    case 'record':
      noRules(rules, at, 'record (put record constraints on the record type)');
      return buildRecord(type as types.RecordType, raw, where, at);
    default:
      throw new TypeError(`${at}: Avro type '${type.typeName}' is not supported (see schemas/schema-tree.ts)`);
  }
}

function buildRecord(type: types.RecordType, raw: unknown, where: Where, at: string): RecordNode {
  const rawFields = attribute(raw, 'fields');
  if (!Array.isArray(rawFields)) throw new TypeError(`${at}: named type references are not supported; define the record inline`);
  const fields = type.fields.map((field, index): FieldNode => {
    const rawField = rawFields[index] as unknown;
    const hasDefault = field.defaultValue() !== undefined;
    return {
      name: field.name,
      type: build(field.type, attribute(rawField, 'type'), attribute(rawField, 'constraints'), { file: where.file, path: [...where.path, field.name] }),
      defaultValue: hasDefault ? () => field.defaultValue() : undefined,
    };
  });
  const rules = parseRecordRules(attribute(raw, 'constraints'), at);
  for (const name of rules.exactlyOne ?? []) {
    if (fields.find((field) => field.name === name)?.type.kind !== 'nullable') throw new TypeError(`${at}: exactlyOne names '${name}', which is not a nullable field`);
  }
  return { kind: 'record', name: type.name?.split('.').pop() ?? '', fields, rules };
}

function attribute(raw: unknown, name: string): unknown {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)[name] : undefined;
}

function noRules(rules: unknown, at: string, what: string): void {
  if (rules !== undefined) throw new TypeError(`${at}: a ${what} field takes no constraints`);
}

/** Values of this type may encode to zero bytes, so an array count could not be bounded by the bytes left. */
function zeroWidth(node: SchemaNode): boolean {
  return node.kind === 'null' || (node.kind === 'record' && node.fields.every((field) => zeroWidth(field.type)));
}
