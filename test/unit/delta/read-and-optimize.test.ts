import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeltaTable } from '../../../delta/delta-table.js';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { DeltaConflictError, DeltaUsageError } from '../../../delta/errors.js';
import { commitFileName, LOG_DIRECTORY } from '../../../delta/log-store.js';
import { optimize } from '../../../delta/optimize.js';
import { readTable } from '../../../delta/table-reader.js';
import { avroSchema, edge, idRange, MAY_1_2024, records, sortedIds, tempDir } from './fixtures.js';

const HOUR = 3_600_000;

describe('read', () => {
  it('round-trips every value: nulls, bytes, enums, ints, timestamps, and the derived partition columns', async () => {
    const root = tempDir('roundtrip');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'img', avroSchema: avroSchema('ImageIngest') });
    const values = [
      { id: 'a', tenant: 'acme', uri: 's3://bucket/a.jpg', image: null, content_type: 'JPEG', width: 640, height: 480, event_time: MAY_1_2024 + 1 },
      { id: 'b', tenant: 'acme', uri: null, image: Buffer.from([0, 1, 2, 255]), content_type: 'PNG', width: null, height: null, event_time: MAY_1_2024 + 2 },
      { id: 'c', tenant: 'a b:c%d/é', uri: null, image: Buffer.alloc(0), content_type: 'GIF', width: 1, height: 2, event_time: MAY_1_2024 - 1 },
    ];
    await writer.append(values.map((value, offset) => ({ topic: 'images', partition: 0, offset, value })));
    const { rows } = await readTable(root);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const value of values) {
      assert.deepEqual(byId.get(value.id), { ...value, kind: 'ImageIngest', date: new Date(value.event_time).toISOString().slice(0, 10) });
    }
    assert.ok(Buffer.isBuffer(byId.get('b')!.image));
  });

  it('round-trips nested records, arrays of records, maps and dates', async () => {
    const root = tempDir('nested');
    const sensor = { type: 'record', name: 'Sensor', fields: [{ name: 'model', type: 'string' }, { name: 'calibrated', type: ['null', { type: 'int', logicalType: 'date' }] }] };
    const schema = {
      type: 'record',
      name: 'Reading',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'sensor', type: sensor },
        { name: 'samples', type: { type: 'array', items: { type: 'record', name: 'Sample', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'value', type: ['null', 'double'] }] } } },
        { name: 'counters', type: ['null', { type: 'map', values: 'long' }] },
        { name: 'backup', type: ['null', 'Sensor'] },
        { name: 'event_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ],
    };
    const writer = await DeltaWriter.open({ table: root, sinkId: 'n', avroSchema: schema, partitionBy: ['date'] });
    const values = [
      { id: 'a', sensor: { model: 'x', calibrated: 19_800 }, samples: [{ at: MAY_1_2024, value: 0.5 }, { at: MAY_1_2024 + 1, value: null }], counters: { seen: 3, lost: 2 ** 40 }, backup: null, event_time: MAY_1_2024 },
      { id: 'b', sensor: { model: 'y', calibrated: null }, samples: [], counters: null, backup: { model: 'z', calibrated: 1 }, event_time: MAY_1_2024 + HOUR },
    ];
    await writer.append(values.map((value, offset) => ({ topic: 'r', partition: 0, offset, value })));
    const { rows } = await readTable(root);
    assert.deepEqual(rows, values.map((value) => ({ ...value, date: '2024-05-01' })));
  });

  it('reads one partition, a version, and the version as of a commit time', async () => {
    const root = tempDir('travel');
    const writer = await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent') });
    for (let batch = 0; batch < 4; batch++) await writer.append(records('edges', 0, batch * 24, batch * 24 + 24)); // one day per batch
    const table = await DeltaTable.open(root);
    const history = await table.history();

    const may2 = await readTable(root, { partitions: { tenant: 'tenant-1', date: '2024-05-02' } });
    assert.equal(may2.files, 1);
    assert.deepEqual(sortedIds(may2.rows), idRange(24, 48).filter((id) => Number(id.slice(5)) % 3 === 1).sort());
    assert.ok(may2.rows.every((row) => row.tenant === 'tenant-1' && row.date === '2024-05-02'));

    const atOne = await readTable(root, { version: 1 });
    assert.deepEqual(sortedIds(atOne.rows), idRange(0, 48));
    const asOf = await readTable(root, { asOf: history.find((h) => h.version === 2)!.timestamp + HOUR / 2 });
    assert.equal(asOf.version, 2);
    assert.deepEqual(sortedIds(asOf.rows), idRange(0, 72));
    assert.equal((await readTable(root, { asOf: new Date(MAY_1_2024 + 23 * HOUR) })).version, 0);
    await assert.rejects(readTable(root, { asOf: MAY_1_2024 }), /no version at or before/);
    await assert.rejects(readTable(root, { partitions: { region: 'x' } }), DeltaUsageError);
    await assert.rejects(readTable(root, { version: 9 }), /no version 9/);
  });
});

describe('optimize', () => {
  it('compacts small files per partition into one version of removes and adds with dataChange false, rows unchanged', async () => {
    const root = tempDir('optimize');
    const writer = await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent') });
    for (let batch = 0; batch < 6; batch++) await writer.append(records('edges', 0, batch * 5, batch * 5 + 5, (o) => edge(o % 3 === 0 ? o : o + 1000)));
    const before = await readTable(root);
    const table = await DeltaTable.open(root);
    const filesBefore = table.snapshot.files.size;

    const result = await optimize(root);
    assert.equal(result.version, 6);
    assert.equal(result.filesRemoved, filesBefore);
    assert.equal(result.rows, before.rows.length);
    const after = await readTable(root);
    assert.deepEqual(sortedIds(after.rows), sortedIds(before.rows));
    assert.equal(after.files, result.filesAdded);
    assert.ok(after.files < filesBefore);

    const lines = readFileSync(join(root, LOG_DIRECTORY, commitFileName(6)), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    assert.equal(lines[0]!.commitInfo!.operation, 'OPTIMIZE');
    const removes = lines.filter((l) => 'remove' in l).map((l) => l.remove!);
    const adds = lines.filter((l) => 'add' in l).map((l) => l.add!);
    assert.equal(removes.length, filesBefore);
    assert.ok([...removes, ...adds].every((action) => action.dataChange === false));
    assert.ok(removes.every((r) => r.deletionTimestamp === lines[0]!.commitInfo!.timestamp && r.extendedFileMetadata === true));
    assert.equal(adds.reduce((sum, add) => sum + (JSON.parse(String(add.stats)) as { numRecords: number }).numRecords, 0), before.rows.length);

    assert.deepEqual(sortedIds((await readTable(root, { version: 5 })).rows), sortedIds(before.rows), 'the old version still reads its own files');
    assert.equal((await optimize(root)).version, undefined, 'nothing left to compact');
  });

  it('fails with a retriable conflict when a concurrent optimize removed its files first', async () => {
    const root = tempDir('optimize-race');
    const writer = await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent'), partitionBy: [] });
    for (let batch = 0; batch < 3; batch++) await writer.append(records('edges', 0, batch * 2, batch * 2 + 2));
    const outcomes = await Promise.allSettled([optimize(root), optimize(root)]);
    const done = outcomes.filter((o) => o.status === 'fulfilled');
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.equal(done.length + failed.length, 2);
    for (const failure of failed) assert.ok(failure.reason instanceof DeltaConflictError && failure.reason.retriable);
    assert.deepEqual(sortedIds((await readTable(root)).rows), idRange(0, 6));
    assert.equal((await readTable(root)).files, 1);
  });
});
