import type { PathSegment } from '../contracts/field-path.js';
import type { RecordNode, SchemaNode } from './schema-tree.js';

/**
 * How an Avro record is written in JSON (the `json` source format), and back to the typed value:
 * - record: an object with the fields by name. A field with a default may be absent (it takes the
 *   default); a field without one must be present. Fields the schema does not declare are rejected.
 * - null, boolean, string: themselves. enum: the symbol as a string.
 * - int: an integer in 32 bits. long: an integer within ±(2^53 − 2); timestamp-millis is a long, so
 *   event times are epoch-millisecond numbers (not ISO strings).
 * - float: a number, rounded to 32 bits as Avro would store it. double: a number.
 *   JSON has no NaN or Infinity; a float beyond the 32-bit range becomes ±Infinity and is rejected as not finite.
 * - bytes: a standard base64 string (RFC 4648 alphabet, with padding); the typed value is a Buffer.
 * - array: a JSON array. `["null", T]`: null or T's own form (not Avro's `{"T": value}` JSON encoding).
 * The typed value of a JSON record equals what the same record decodes to from Avro binary, so
 * downstream operators see one shape whatever the source format; a JSON sink writes Buffers back as base64.
 */
export type FromJson = (json: unknown) => unknown;

const identity: FromJson = (json) => json;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Converts JSON to the typed value where the JSON has the expected form, and leaves it as it is where it
 * does not, so the type check that follows reports the first misfit with its path. Undeclared fields are
 * left out: `compileUndeclared` looks for them first. Never mutates its input.
 */
export function compileFromJson(node: SchemaNode): FromJson {
  switch (node.kind) {
    case 'bytes':
      return (json) => (typeof json === 'string' && base64.test(json) ? Buffer.from(json, 'base64') : json);
    case 'float':
      return (json) => (typeof json === 'number' ? Math.fround(json) : json);
    case 'nullable': {
      const inner = compileFromJson(node.type);
      return inner === identity ? identity : (json) => (json === null ? null : inner(json));
    }
    case 'array': {
      const item = compileFromJson(node.items);
      return item === identity ? identity : (json) => (Array.isArray(json) ? json.map(item) : json);
    }
    case 'record':
      return recordFromJson(node);
    default:
      return identity;
  }
}

function recordFromJson(node: RecordNode): FromJson {
  const fields = node.fields.map((field) => ({ name: field.name, convert: compileFromJson(field.type), defaultValue: field.defaultValue }));
  return (json) => {
    if (!isObject(json)) return json;
    const record: Record<string, unknown> = {};
    for (const { name, convert, defaultValue } of fields) {
      const value = Object.hasOwn(json, name) ? json[name] : undefined;
      record[name] = value === undefined ? defaultValue?.() : convert(value);
    }
    return record;
  };
}

/** Finds the first field a JSON value has but its record does not declare; undefined when the node holds no record. */
export type FindUndeclared = (json: unknown) => PathSegment[] | undefined;

/**
 * Rejecting undeclared fields is done here, not with avsc's `noUndeclaredFields`: that looks names up in
 * a plain object, so `constructor` or `__proto__` would pass as declared.
 */
export function compileUndeclared(node: SchemaNode): FindUndeclared | undefined {
  switch (node.kind) {
    case 'nullable':
      return compileUndeclared(node.type);
    case 'array': {
      const item = compileUndeclared(node.items);
      if (item === undefined) return undefined;
      return (json) => {
        if (!Array.isArray(json)) return undefined;
        for (let index = 0; index < json.length; index++) {
          const path = item(json[index]);
          if (path !== undefined) return [index, ...path];
        }
        return undefined;
      };
    }
    case 'record':
      return recordUndeclared(node);
    default:
      return undefined;
  }
}

function recordUndeclared(node: RecordNode): FindUndeclared {
  const declared = new Set(node.fields.map((field) => field.name));
  const nested = node.fields.flatMap((field) => {
    const find = compileUndeclared(field.type);
    return find === undefined ? [] : [{ name: field.name, find }];
  });
  return (json) => {
    if (!isObject(json)) return undefined;
    for (const name in json) if (!declared.has(name)) return [name];
    for (const { name, find } of nested) {
      const path = find(json[name]);
      if (path !== undefined) return [name, ...path];
    }
    return undefined;
  };
}

function isObject(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}
