import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { avroRecordColumns, avroRecordName } from '../../../delta/avro-mapping.js';
import { parseSchemaString, schemaString } from '../../../delta/columns.js';
import { DeltaSchemaError } from '../../../delta/errors.js';
import { parquetSchema } from '../../../delta/parquet-schema.js';
import { escapePartitionValue, partitionDirectory, pathToUri, tableLayout, uriToPath, utcDate } from '../../../delta/table-layout.js';
import { avroSchema } from './fixtures.js';

const typeOf = (schema: unknown): Record<string, unknown> =>
  Object.fromEntries(avroRecordColumns(schema).map((column) => [column.name, { type: column.type, nullable: column.nullable }]));

describe('Avro → Delta columns', () => {
  it('maps EdgeEvent: strings, an array of strings, a double and a timestamp-millis', () => {
    assert.deepEqual(typeOf(avroSchema('EdgeEvent')), {
      edge_id: { type: { kind: 'string' }, nullable: false },
      tenant: { type: { kind: 'string' }, nullable: false },
      node_ids: { type: { kind: 'array', element: { kind: 'string' }, containsNull: false }, nullable: false },
      weight: { type: { kind: 'double' }, nullable: false },
      event_time: { type: { kind: 'timestamp' }, nullable: false },
    });
  });

  it('maps ImageIngest: nullable unions, bytes, an enum, nullable ints', () => {
    assert.deepEqual(typeOf(avroSchema('ImageIngest')), {
      id: { type: { kind: 'string' }, nullable: false },
      tenant: { type: { kind: 'string' }, nullable: false },
      uri: { type: { kind: 'string' }, nullable: true },
      image: { type: { kind: 'binary' }, nullable: true },
      content_type: { type: { kind: 'string' }, nullable: false },
      width: { type: { kind: 'integer' }, nullable: true },
      height: { type: { kind: 'integer' }, nullable: true },
      event_time: { type: { kind: 'timestamp' }, nullable: false },
    });
  });

  it('maps nested records, maps, named references, dates, nullable array items; a plain long stays long', () => {
    const schema = {
      type: 'record',
      name: 'x.Outer',
      fields: [
        { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: ['null', 'float'] }] } },
        { name: 'again', type: ['null', 'Inner'] },
        { name: 'tags', type: { type: 'map', values: ['null', 'long'] } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'maybe', type: { type: 'array', items: ['string', 'null'] } },
        { name: 'millis', type: 'long', doc: 'epoch ms, but not declared as a timestamp' },
        { name: 'flag', type: 'boolean' },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 8 } },
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
      ],
    };
    const inner = { kind: 'struct', fields: [
      { name: 'a', type: { kind: 'integer' }, nullable: false, metadata: {} },
      { name: 'b', type: { kind: 'float' }, nullable: true, metadata: {} },
    ] };
    assert.deepEqual(typeOf(schema), {
      inner: { type: inner, nullable: false },
      again: { type: inner, nullable: true },
      tags: { type: { kind: 'map', value: { kind: 'long' }, valueContainsNull: true }, nullable: false },
      day: { type: { kind: 'date' }, nullable: false },
      maybe: { type: { kind: 'array', element: { kind: 'string' }, containsNull: true }, nullable: false },
      millis: { type: { kind: 'long' }, nullable: false },
      flag: { type: { kind: 'boolean' }, nullable: false },
      hash: { type: { kind: 'binary' }, nullable: false },
      id: { type: { kind: 'string' }, nullable: false },
    });
    assert.equal(avroRecordColumns(schema)[5]!.metadata.comment, 'epoch ms, but not declared as a timestamp');
    assert.equal(avroRecordName(schema), 'Outer');
  });

  it('rejects unions of several types and recursive records, naming the field', () => {
    const union = { type: 'record', name: 'U', fields: [{ name: 'v', type: ['null', 'string', 'long'] }] };
    assert.throws(() => avroRecordColumns(union), (e: unknown) => e instanceof DeltaSchemaError && /at v: union/.test(e.message));
    const recursive = { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] };
    assert.throws(() => avroRecordColumns(recursive), (e: unknown) => e instanceof DeltaSchemaError && /recursive/.test(e.message));
  });

  it('serialises the schema as Spark struct JSON and parses it back', () => {
    const columns = avroRecordColumns(avroSchema('AudioIngest'));
    const text = schemaString(columns);
    const json = JSON.parse(text) as { type: string; fields: { name: string; type: unknown; nullable: boolean }[] };
    assert.equal(json.type, 'struct');
    assert.deepEqual(json.fields.map((f) => [f.name, f.type, f.nullable]), [
      ['id', 'string', false], ['tenant', 'string', false], ['sample_rate', 'integer', false], ['channels', 'integer', false],
      ['encoding', 'string', false], ['uri', 'string', true], ['pcm', 'binary', true], ['duration_ms', 'long', true], ['event_time', 'timestamp', false],
    ]);
    assert.deepEqual(parseSchemaString(text), columns);
    assert.equal(schemaString(parseSchemaString(text)), text);
  });
});

describe('Parquet schema', () => {
  it('uses 3-level lists, UTF8 strings and UTC microsecond timestamps', () => {
    const elements = parquetSchema(avroRecordColumns(avroSchema('EdgeEvent')));
    assert.deepEqual(elements.map((e) => [e.name, e.type ?? null, e.repetition_type ?? null, e.converted_type ?? null]), [
      ['root', null, null, null],
      ['edge_id', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['tenant', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['node_ids', null, 'REQUIRED', 'LIST'],
      ['list', null, 'REPEATED', null],
      ['element', 'BYTE_ARRAY', 'REQUIRED', 'UTF8'],
      ['weight', 'DOUBLE', 'REQUIRED', null],
      ['event_time', 'INT64', 'REQUIRED', 'TIMESTAMP_MICROS'],
    ]);
    assert.deepEqual(elements.at(-1)!.logical_type, { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' });
  });
});

describe('table layout', () => {
  it('partitions EdgeEvent by tenant, the derived kind and the derived UTC date; data files keep the rest', () => {
    const layout = tableLayout(avroRecordColumns(avroSchema('EdgeEvent')), { kind: 'EdgeEvent' });
    assert.deepEqual(layout.partitionColumns, ['tenant', 'kind', 'date']);
    assert.deepEqual(layout.columns.map((c) => `${c.name}:${c.type.kind}`), ['edge_id:string', 'tenant:string', 'node_ids:array', 'weight:double', 'event_time:timestamp', 'kind:string', 'date:date']);
    assert.deepEqual(layout.dataColumns.map((c) => c.name), ['edge_id', 'node_ids', 'weight', 'event_time']);
    const late = Date.UTC(2024, 4, 1, 23, 59, 59, 999);
    assert.deepEqual(layout.partitionValues({ tenant: 'acme', event_time: late }), { tenant: 'acme', kind: 'EdgeEvent', date: '2024-05-01' });
    assert.deepEqual(layout.partitionValues({ tenant: 'acme', event_time: late + 1 }).date, '2024-05-02');
  });

  it('rejects partition columns it cannot derive or that are not scalar', () => {
    const columns = avroRecordColumns(avroSchema('EdgeEvent'));
    assert.throws(() => tableLayout(columns, { kind: 'E', partitionBy: ['region'] }), /region is not a field/);
    assert.throws(() => tableLayout(columns, { kind: 'E', partitionBy: ['node_ids'] }), /node_ids has type array/);
    assert.throws(() => tableLayout(columns, { kind: 'E', partitionBy: ['date'], eventTimeField: 'weight' }), /event-time field weight/);
  });

  it('escapes directory names like Hive and encodes log paths as URIs', () => {
    assert.equal(escapePartitionValue('a b:c/d%e=f'), 'a b%3Ac%2Fd%25e%3Df');
    const directory = partitionDirectory(['tenant', 'date'], { tenant: 'a b:c', date: null });
    assert.equal(directory, 'tenant=a b%3Ac/date=__HIVE_DEFAULT_PARTITION__');
    const uri = pathToUri(`${directory}/part-1.parquet`);
    assert.equal(uri, 'tenant=a%20b%253Ac/date=__HIVE_DEFAULT_PARTITION__/part-1.parquet');
    assert.equal(uriToPath(uri), `${directory}/part-1.parquet`);
    assert.equal(utcDate(-1), '1969-12-31');
  });
});
