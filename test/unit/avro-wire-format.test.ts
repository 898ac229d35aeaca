import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { avroSchema, decodeWireFormat, encodeWireFormat, schemaId, schemaNames, WireFormatError, type WireFormatProblem } from '../../schemas/avro.js';
import { schemaCatalog } from '../../schemas/catalog.js';

const edge = { edge_id: 'e-1', tenant: 'acme', node_ids: ['a', 'b', 'c'], weight: 0.25, event_time: 1_700_000_000_000 };

function wireError(run: () => unknown, problem: WireFormatProblem, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof WireFormatError, `not a WireFormatError: ${String(error)}`);
    assert.equal(error.problem, problem);
    assert.match(error.message, message);
    return true;
  });
}

/** A wire-format EdgeEvent with a hand-written body. */
function edgeWire(...body: number[]): Buffer {
  return Buffer.from([0, 0, 0, 0, schemaId('EdgeEvent'), ...body]);
}

test('the catalog names every schema file once, with distinct ids', () => {
  assert.deepEqual([...schemaNames()].sort(), ['AudioIngest', 'EdgeEvent', 'EmbeddingEvent', 'ImageIngest', 'PdfIngest']);
  const ids = schemaNames().map((name) => schemaCatalog[name].id);
  assert.equal(new Set(ids).size, ids.length);
});

test('every schema loads, lives in weir.ingest and documents every field', () => {
  for (const name of schemaNames()) {
    assert.equal(avroSchema(name).name, `weir.ingest.${name}`);
    const raw = JSON.parse(readFileSync(new URL(`../../schemas/${name}.avsc`, import.meta.url), 'utf8')) as { doc?: string; fields: { name: string; doc?: string }[] };
    assert.ok(raw.doc, `${name} has no doc`);
    for (const field of raw.fields) assert.ok(field.doc, `${name}.${field.name} has no doc`);
  }
});

test('the wire format is magic byte 0, the big-endian schema id, then the Avro body', () => {
  const wire = encodeWireFormat('EdgeEvent', edge);
  assert.deepEqual([...wire.subarray(0, 5)], [0, 0, 0, 0, 4]);
  assert.deepEqual(wire.subarray(5), avroSchema('EdgeEvent').toBuffer(edge));
  assert.deepEqual(decodeWireFormat(wire), { schemaName: 'EdgeEvent', schemaId: 4, value: edge });
});

test('decoding gives plain objects, defaults included, and bytes as Buffers', () => {
  const image = { id: 'i', tenant: 't', image: Buffer.from([1, 2, 3]), content_type: 'PNG', event_time: 5 };
  const { value } = decodeWireFormat(encodeWireFormat('ImageIngest', image));
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(value, { ...image, uri: null, width: null, height: null });
});

test('a header that is short, has another magic byte or an unknown id is refused', () => {
  wireError(() => decodeWireFormat(Buffer.from([0, 0, 0])), 'truncated', /^truncated: 3 bytes/);
  wireError(() => decodeWireFormat(Buffer.from('{"edge_id":"e"}')), 'bad-magic-byte', /0x7b, expected 0x00 \(this looks like JSON/);
  wireError(() => decodeWireFormat(Buffer.from([0, 0, 0, 3, 0xe7, 0])), 'unknown-schema-id', /unknown schema id 999; known: 1 \(ImageIngest\)/);
});

test('with an expected schema, any other id is a mismatch', () => {
  const wire = encodeWireFormat('EdgeEvent', edge);
  wireError(() => decodeWireFormat(wire, 'ImageIngest'), 'schema-id-mismatch', /^schema id 4 \(EdgeEvent\) where ImageIngest \(id 1\) is expected$/);
  wireError(() => decodeWireFormat(Buffer.from([0, 0, 0, 0, 77]), 'EdgeEvent'), 'schema-id-mismatch', /^unknown schema id 77 where EdgeEvent/);
});

test('a body cut short names the field where it ends', () => {
  const wire = encodeWireFormat('EdgeEvent', edge);
  for (let length = 5; length < wire.length; length++) {
    wireError(() => decodeWireFormat(wire.subarray(0, length)), 'truncated', /^truncated at /);
  }
  wireError(() => decodeWireFormat(wire.subarray(0, wire.length - 1)), 'truncated', /^truncated at event_time: needs 1 more byte, 0 left$/);
});

test('bytes after the record are refused', () => {
  wireError(() => decodeWireFormat(Buffer.concat([encodeWireFormat('EdgeEvent', edge), Buffer.from([0])])), 'malformed', /^malformed: 1 bytes left after the end of the record$/);
});

test('an array count larger than the bytes left is refused at once', () => {
  // edge_id "e", tenant "t", then node_ids claiming 2^34 items in a 20-byte record
  const started = performance.now();
  wireError(() => decodeWireFormat(edgeWire(2, 0x65, 2, 0x74, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 2, 0x61)), 'truncated', /^truncated at node_ids\[0\]: an array block claims 17179869184 items but only 2 bytes are left$/);
  assert.ok(performance.now() - started < 50);
});

test('indices, lengths, UTF-8 and longs are checked', () => {
  const head = [2, 0x65, 2, 0x74];
  const nodes = [4, 2, 0x61, 2, 0x62, 0];
  const weight = [0, 0, 0, 0, 0, 0, 0, 0];
  wireError(() => decodeWireFormat(edgeWire(3, 0x65)), 'malformed', /^malformed at edge_id: negative length -2$/);
  wireError(() => decodeWireFormat(edgeWire(2, 0xff, 2, 0x74)), 'malformed', /^malformed at edge_id: a string is not valid UTF-8$/);
  wireError(() => decodeWireFormat(edgeWire(...head, ...nodes, ...weight, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f)), 'malformed', /^malformed at event_time: long 9007199254740991 is outside/);
  wireError(() => decodeWireFormat(edgeWire(...head, ...nodes, ...weight, ...Array<number>(10).fill(0x80), 0)), 'malformed', /varint is longer than 10 bytes/);
  const image = [0, 0, 0, 0, 1, 2, 0x69, 2, 0x74];
  wireError(() => decodeWireFormat(Buffer.from([...image, 4])), 'malformed', /^malformed at uri: union branch index 2 is out of range \(0..1\)$/);
  wireError(() => decodeWireFormat(Buffer.from([...image, 0, 0, 14])), 'malformed', /^malformed at content_type: enum symbol index 7 is out of range \(0..5\)$/);
});

test('longs decode exactly up to the largest value avsc encodes', () => {
  // avsc's encoder loses the sign of negative longs beyond -2^52 (its zigzag step rounds), so none here
  for (const time of [0, -1, 2 ** 31, -(2 ** 40) - 3, 2 ** 49 + 1, -(2 ** 52), 9_007_199_254_740_990]) {
    assert.equal(decodeWireFormat(encodeWireFormat('EdgeEvent', { ...edge, event_time: time })).value.event_time, time);
  }
});

test('a value that does not fit the schema cannot be encoded', () => {
  wireError(() => encodeWireFormat('EdgeEvent', { ...edge, weight: 'heavy' }), 'invalid-value', /^cannot encode a EdgeEvent/);
});
