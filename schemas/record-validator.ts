import { decodeWireFormat, loadSchema, WireFormatError, type LoadedSchema, type SchemaName } from './avro.js';
import { compileChecks, type Check } from './constraints.js';
import { compileFromJson, compileUndeclared, type FindUndeclared, type FromJson } from './json-mapping.js';
import { formatPath, type PathSegment } from '../contracts/field-path.js';
import type { SchemaNode } from './schema-tree.js';

/** Why a payload is not a valid record; becomes the `weir.reason` header of the rejected record. */
export type RejectReason = 'not-a-record' | 'missing-field' | 'wrong-type' | 'unknown-field' | 'constraint' | 'bad-wire-format' | 'schema-id-mismatch';

export interface SchemaRejection {
  readonly reason: RejectReason;
  /** The offending field's path (`node_ids[2]`), when there is one. */
  readonly field: string | undefined;
  readonly error: string;
}

export type Checked = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly rejection: SchemaRejection };

/**
 * Checks payloads against one schema: a Buffer as a wire-format record, anything else as the JSON form
 * (json-mapping.ts), then the schema's constraints. A valid payload becomes its typed value, a plain object.
 * The JSON type check runs first without a hook (no allocation); only a failing record runs it again
 * with the error hook, which keeps the first failure's path.
 */
export class RecordValidator {
  private readonly schema: LoadedSchema;
  private readonly fromJson: FromJson;
  private readonly undeclared: FindUndeclared | undefined;
  private readonly rules: Check | undefined;
  private failurePath: readonly string[] | undefined;
  private readonly hookOptions = {
    errorHook: (path: string[]): void => {
      this.failurePath ??= path;
    },
  };

  constructor(readonly name: SchemaName) {
    this.schema = loadSchema(name);
    this.fromJson = compileFromJson(this.schema.tree);
    this.undeclared = compileUndeclared(this.schema.tree);
    this.rules = compileChecks(this.schema.tree);
  }

  check(payload: unknown): Checked {
    return Buffer.isBuffer(payload) ? this.checkWire(payload) : this.checkJson(payload);
  }

  private checkJson(json: unknown): Checked {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return rejected('not-a-record', undefined, `expected a JSON object (schema ${this.name}), got ${describeValue(json)}`);
    }
    const undeclared = this.undeclared?.(json);
    if (undeclared !== undefined) {
      const field = formatPath(undeclared);
      return rejected('unknown-field', field, `${field} is not a field of ${this.name} (undeclared fields are rejected)`);
    }
    const value = this.fromJson(json) as Record<string, unknown>;
    if (!this.schema.type.isValid(value)) return this.typeFailure(value);
    return this.checkRules(value);
  }

  private checkWire(buffer: Buffer): Checked {
    let value: Record<string, unknown>;
    try {
      value = decodeWireFormat(buffer, this.name).value;
    } catch (error) {
      if (!(error instanceof WireFormatError)) throw error;
      return rejected(error.problem === 'schema-id-mismatch' ? 'schema-id-mismatch' : 'bad-wire-format', error.field, error.message);
    }
    return this.checkRules(value);
  }

  private checkRules(value: Record<string, unknown>): Checked {
    const violation = this.rules?.(value);
    if (violation === undefined) return { ok: true, value };
    const field = formatPath(violation.path);
    return rejected('constraint', field, `${field}: ${violation.message}`);
  }

  /** Classifies the first misfit the type check reports: a required field absent, or a value of the wrong type. */
  private typeFailure(record: Record<string, unknown>): Checked {
    this.failurePath = undefined;
    this.schema.type.isValid(record, this.hookOptions);
    const path: PathSegment[] = [];
    let node: SchemaNode = this.schema.tree;
    let value: unknown = record;
    for (const segment of this.failurePath ?? []) {
      const inner = unwrap(node);
      // avsc looks into an array given for a record as if it were one; the array itself is the misfit
      if (inner.kind === 'record' && (typeof value !== 'object' || value === null || Array.isArray(value))) break;
      if (inner.kind === 'record') {
        node = inner.fields.find((field) => field.name === segment)?.type ?? inner;
        path.push(segment);
      } else if (inner.kind === 'array') {
        node = inner.items;
        path.push(Number(segment));
      }
      value = (value as Record<string, unknown>)[segment];
    }
    const field = formatPath(path);
    if (value === undefined) return rejected('missing-field', field, `required field ${field} is missing`);
    return rejected('wrong-type', field, `${field} must be ${describeType(node)}, got ${describeValue(value)}`);
  }
}

function rejected(reason: RejectReason, field: string | undefined, error: string): Checked {
  return { ok: false, rejection: { reason, field: field === '' ? undefined : field, error } };
}

function unwrap(node: SchemaNode): SchemaNode {
  return node.kind === 'nullable' ? node.type : node;
}

function describeType(node: SchemaNode): string {
  switch (node.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return 'a boolean';
    case 'int':
      return 'an int (an integer of 32 bits)';
    case 'long':
      return 'a long (an integer within ±(2^53 − 2))';
    case 'float':
    case 'double':
      return 'a number';
    case 'string':
      return 'a string';
    case 'bytes':
      return 'bytes (a base64 string)';
    case 'enum':
      return `one of ${node.symbols.join(', ')}`;
    case 'array':
      return 'an array';
    case 'nullable':
      return `null or ${describeType(node.type)}`;
    case 'record':
      return `an object (${node.name})`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${value}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
