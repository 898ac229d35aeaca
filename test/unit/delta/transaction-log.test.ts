import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCommit } from '../../../delta/actions.js';
import { DeltaTable } from '../../../delta/delta-table.js';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { DeltaLogError, DeltaRecordError, DeltaSchemaError } from '../../../delta/errors.js';
import { commitFileName, LOG_DIRECTORY } from '../../../delta/log-store.js';
import { readTable } from '../../../delta/table-reader.js';
import { uriToPath } from '../../../delta/table-layout.js';
import { avroSchema, edge, MAY_1_2024, records, sortedIds, idRange, tempDir } from './fixtures.js';

const HOUR = 3_600_000;

function commitLines(root: string, version: number): Record<string, Record<string, unknown>>[] {
  return readFileSync(join(root, LOG_DIRECTORY, commitFileName(version)), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
}

describe('transaction log', () => {
  it('writes version 0 with commitInfo, protocol, metaData, one txn per input partition and the adds', async () => {
    const root = tempDir('log');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'sink-a', avroSchema: avroSchema('EdgeEvent') });
    const batch = [...records('edges', 0, 0, 6), ...records('edges', 1, 100, 103, (o) => edge(o))];
    const result = await writer.append(batch);
    assert.equal(result.version, 0);
    assert.deepEqual(result.positions, [
      { topic: 'edges', partition: 0, nextOffset: 6 },
      { topic: 'edges', partition: 1, nextOffset: 103 },
    ]);

    const lines = commitLines(root, 0);
    assert.deepEqual(lines.map((line) => Object.keys(line)[0]), ['commitInfo', 'protocol', 'metaData', 'txn', 'txn', ...result.files.map(() => 'add')]);
    assert.deepEqual(lines[1]!.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    const meta = lines[2]!.metaData!;
    assert.deepEqual(meta.format, { provider: 'parquet', options: {} });
    assert.deepEqual(meta.partitionColumns, ['tenant', 'kind', 'date']);
    assert.deepEqual(meta.configuration, {});
    assert.match(String(meta.id), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const maxEventTime = MAY_1_2024 + 102 * HOUR;
    assert.deepEqual(lines[3]!.txn, { appId: 'sink-a.edges.0', version: 6, lastUpdated: maxEventTime });
    assert.deepEqual(lines[4]!.txn, { appId: 'sink-a.edges.1', version: 103, lastUpdated: maxEventTime });
    assert.equal(lines[0]!.commitInfo!.timestamp, maxEventTime);
    assert.equal(lines[0]!.commitInfo!.operation, 'STREAMING UPDATE');

    let rows = 0;
    for (const line of lines.slice(5)) {
      const add = line.add as { path: string; partitionValues: Record<string, string>; size: number; modificationTime: number; dataChange: boolean; stats: string };
      const stats = JSON.parse(add.stats) as { numRecords: number; minValues: Record<string, unknown>; maxValues: Record<string, unknown>; nullCount: Record<string, number> };
      rows += stats.numRecords;
      assert.equal(add.dataChange, true);
      assert.equal(add.size, statSync(join(root, uriToPath(add.path))).size);
      assert.match(add.path, new RegExp(`^tenant=${add.partitionValues.tenant}/kind=EdgeEvent/date=${add.partitionValues.date}/part-[0-9a-f]{32}\\.snappy\\.parquet$`));
      assert.deepEqual(Object.keys(stats), ['numRecords', 'minValues', 'maxValues', 'nullCount']);
      assert.deepEqual(Object.keys(stats.nullCount), ['edge_id', 'node_ids', 'weight', 'event_time']);
      assert.equal(add.modificationTime, Date.parse(String(stats.maxValues.event_time)));
      assert.ok(String(stats.minValues.event_time).startsWith(add.partitionValues.date!));
    }
    assert.equal(rows, batch.length);
  });

  it('records exact statistics: min, max, null counts, and the max event time as modificationTime', async () => {
    const root = tempDir('stats');
    const writer = await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('ImageIngest'), partitionBy: [] });
    const image = (offset: number): Record<string, unknown> => ({
      id: `img-${offset}`, tenant: 'acme', uri: offset === 1 ? null : `s3://b/${offset}`, image: null,
      content_type: offset === 2 ? 'PNG' : 'JPEG', width: offset === 0 ? null : 640 + offset, height: null, event_time: MAY_1_2024 + offset * 1000,
    });
    const { files } = await writer.append(records('images', 0, 0, 3, image));
    assert.equal(files.length, 1);
    const add = commitLines(root, 0).find((line) => 'add' in line)!.add as { modificationTime: number; stats: string; partitionValues: object };
    assert.deepEqual(add.partitionValues, {});
    assert.equal(add.modificationTime, MAY_1_2024 + 2000);
    assert.deepEqual(JSON.parse(add.stats), {
      numRecords: 3,
      minValues: { id: 'img-0', tenant: 'acme', uri: 's3://b/0', content_type: 'JPEG', width: 641, event_time: '2024-05-01T00:00:00.000Z' },
      maxValues: { id: 'img-2', tenant: 'acme', uri: 's3://b/2', content_type: 'PNG', width: 642, event_time: '2024-05-01T00:00:02.000Z' },
      nullCount: { id: 0, tenant: 0, uri: 1, image: 3, content_type: 0, width: 1, height: 3, event_time: 0 },
    });
  });

  it('opens a table from its log: versions, files, transactions, history', async () => {
    const root = tempDir('open');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'sink-b', avroSchema: avroSchema('EdgeEvent') });
    await writer.append(records('edges', 0, 0, 10));
    await writer.append(records('edges', 0, 10, 20));
    await writer.append(records('edges', 2, 0, 5, (o) => edge(1000 + o)));

    const table = await DeltaTable.open(root);
    assert.equal(table.version, 2);
    assert.equal(table.lastTxnVersion('sink-b.edges.0'), 20);
    assert.equal(table.lastTxnVersion('sink-b.edges.2'), 5);
    assert.equal(table.lastTxnVersion('sink-b.edges.1'), undefined);
    assert.equal(table.lastTxnVersion('other.edges.0'), undefined);
    const history = await table.history();
    assert.deepEqual(history.map((h) => [h.version, h.operation, h.txns.map((t) => `${t.appId}=${t.version}`)]), [
      [2, 'STREAMING UPDATE', ['sink-b.edges.2=5']],
      [1, 'STREAMING UPDATE', ['sink-b.edges.0=20']],
      [0, 'STREAMING UPDATE', ['sink-b.edges.0=10']],
    ]);
    assert.ok(history[0]!.timestamp > history[1]!.timestamp && history[1]!.timestamp > history[2]!.timestamp);
    assert.deepEqual(sortedIds((await readTable(root)).rows), [...idRange(0, 20), ...idRange(1000, 1005)].sort());
    assert.deepEqual(sortedIds((await readTable(root, { version: 0 })).rows), idRange(0, 10));
  });

  it('keeps the commit clock strictly increasing when event time goes back', async () => {
    const root = tempDir('clock');
    const writer = await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent') });
    await writer.append(records('edges', 0, 50, 51));
    await writer.append(records('edges', 0, 51, 52, () => edge(3)));
    const [second, first] = await (await DeltaTable.open(root)).history();
    assert.equal(first!.timestamp, MAY_1_2024 + 50 * HOUR);
    assert.equal(second!.timestamp, first!.timestamp + 1);
  });

  it('names the record and field of a value that does not fit, and commits nothing', async () => {
    const root = tempDir('misfit');
    const writer = await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent') });
    const bad = records('edges', 4, 7, 10);
    bad[1] = { ...bad[1]!, value: { ...edge(8), node_ids: ['a', 42] } };
    await assert.rejects(writer.append(bad), (e: unknown) => {
      assert.ok(e instanceof DeltaRecordError);
      assert.match(e.message, /record edges\/4@8: node_ids\[1\]: expected a string, found number 42/);
      assert.deepEqual(e.context, { table: root, topic: 'edges', partition: 4, offset: 8, field: 'node_ids[1]' });
      return true;
    });
    assert.equal(existsSync(join(root, LOG_DIRECTORY, commitFileName(0))), false);
  });

  it('refuses a table with another schema, and a directory that is not a table', async () => {
    const root = tempDir('mismatch');
    await (await DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent') })).append(records('edges', 0, 0, 1));
    await assert.rejects(DeltaWriter.open({ table: root, sinkId: 's', avroSchema: avroSchema('EdgeEvent'), partitionBy: ['tenant'] }), DeltaSchemaError);
    await assert.rejects(DeltaTable.open(tempDir('empty')), DeltaLogError);
  });

  it('parses commits leniently: unknown actions are ignored, broken lines are located', () => {
    const actions = parseCommit('{"txn":{"appId":"a","version":1}}\n{"domainMetadata":{"domain":"x"}}\n', 'f.json');
    assert.deepEqual(actions, [{ txn: { appId: 'a', version: 1 } }]);
    assert.throws(() => parseCommit('{"txn":{}}\n{oops\n', 'f.json'), /f\.json:2: not a JSON action/);
  });
});
