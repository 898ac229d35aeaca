import { readFileSync } from 'node:fs';
import avro, { type Type } from 'avsc';
import { compileReader, type AvroReader } from './avro-reader.js';
import { schemaCatalog, type SchemaName } from './catalog.js';
import { schemaTree, type RecordNode } from './schema-tree.js';
import { WireFormatError } from '../contracts/errors.js';

/**
 * The ingest schemas (`schemas/<name>.avsc`) and the Confluent wire format:
 * magic byte 0, the schema id as a 4-byte big-endian integer, then the Avro binary body.
 * Ids come from the local catalog (catalog.ts). Each schema is read and parsed once, on first use.
 */

export { WireFormatError, type WireFormatProblem } from '../contracts/errors.js';
export type { SchemaName } from './catalog.js';

export interface LoadedSchema {
  readonly name: SchemaName;
  readonly id: number;
  /** avsc's parsed type: encoding and the JSON type check. */
  readonly type: Type;
  /** The typed tree with the `constraints` of the .avsc file. */
  readonly tree: RecordNode;
  readonly read: AvroReader;
}

export interface DecodedRecord {
  readonly schemaName: SchemaName;
  readonly schemaId: number;
  /** The record as a plain object; bytes fields are Buffer views of the input. */
  readonly value: Record<string, unknown>;
}

const headerLength = 5;
const names = Object.keys(schemaCatalog) as [SchemaName, ...SchemaName[]];
const namesById = new Map<number, SchemaName>(names.map((name) => [schemaCatalog[name].id, name]));
const loaded = new Map<SchemaName, LoadedSchema>();

export function schemaNames(): readonly [SchemaName, ...SchemaName[]] {
  return names;
}

export function schemaId(name: SchemaName): number {
  return schemaCatalog[name].id;
}

/** avsc's type of a schema. */
export function avroSchema(name: SchemaName): Type {
  return loadSchema(name).type;
}

export function loadSchema(name: SchemaName): LoadedSchema {
  let schema = loaded.get(name);
  if (schema === undefined) {
    schema = parseSchemaFile(name);
    loaded.set(name, schema);
  }
  return schema;
}

function parseSchemaFile(name: SchemaName): LoadedSchema {
  const file = `schemas/${name}.avsc`;
  const raw: unknown = JSON.parse(readFileSync(new URL(`./${name}.avsc`, import.meta.url), 'utf8'));
  const type = avro.Type.forSchema(raw as avro.Schema);
  const { id, fingerprint } = schemaCatalog[name];
  const actual = type.fingerprint('sha256').toString('hex');
  if (actual !== fingerprint) {
    throw new TypeError(`${file} changed (fingerprint ${actual}, catalog id ${id} has ${fingerprint}): records written under id ${id} would be misread; add the new version to schemas/catalog.ts under a new id`);
  }
  const tree = schemaTree(type, raw, file);
  if (tree.name !== name) throw new TypeError(`${file} defines record '${tree.name}', not '${name}'`);
  return { name, id, type, tree, read: compileReader(tree) };
}

/** Encodes a typed value (bytes as Buffers, see json-mapping.ts) in the wire format. */
export function encodeWireFormat(name: SchemaName, value: unknown): Buffer {
  const { id, type } = loadSchema(name);
  let body: Buffer;
  try {
    body = type.toBuffer(value);
  } catch (cause) {
    throw new WireFormatError('invalid-value', `cannot encode a ${name}: ${(cause as Error).message}`);
  }
  const header = Buffer.alloc(headerLength);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, body]);
}

/** The schema id of a wire-format record, after checking the header. */
export function wireSchemaId(buffer: Buffer): number {
  if (buffer.length < headerLength) {
    throw new WireFormatError('truncated', `truncated: ${buffer.length} bytes, but a wire-format record starts with a magic byte and a 4-byte schema id`);
  }
  const magic = buffer[0] as number;
  if (magic !== 0) {
    const hint = magic === 0x7b ? ' (this looks like JSON: is the source format right?)' : '';
    throw new WireFormatError('bad-magic-byte', `magic byte is 0x${magic.toString(16).padStart(2, '0')}, expected 0x00${hint}`);
  }
  return buffer.readUInt32BE(1);
}

/**
 * Decodes a wire-format record. With `expected`, the record must carry that schema's id
 * (else `schema-id-mismatch`); without, any schema of the catalog is accepted.
 */
export function decodeWireFormat(buffer: Buffer, expected?: SchemaName): DecodedRecord {
  const id = wireSchemaId(buffer);
  const name = namesById.get(id);
  if (expected !== undefined && id !== schemaId(expected)) {
    const found = name === undefined ? `unknown schema id ${id}` : `schema id ${id} (${name})`;
    throw new WireFormatError('schema-id-mismatch', `${found} where ${expected} (id ${schemaId(expected)}) is expected`);
  }
  if (name === undefined) throw new WireFormatError('unknown-schema-id', `unknown schema id ${id}; known: ${names.map((known) => `${schemaId(known)} (${known})`).join(', ')}`);
  return { schemaName: name, schemaId: id, value: loadSchema(name).read(buffer, headerLength) as Record<string, unknown> };
}
