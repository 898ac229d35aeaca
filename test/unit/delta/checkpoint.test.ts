import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkpointActions, readCheckpoint } from '../../../delta/checkpoint.js';
import { DeltaTable } from '../../../delta/delta-table.js';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { commitFileName, LogStore, LOG_DIRECTORY } from '../../../delta/log-store.js';
import { optimize } from '../../../delta/optimize.js';
import { readTable } from '../../../delta/table-reader.js';
import { avroSchema, edge, idRange, records, sortedIds, tempDir } from './fixtures.js';

async function tableWithVersions(root: string, versions: number): Promise<void> {
  const writer = await DeltaWriter.open({ table: root, sinkId: 'cp', avroSchema: avroSchema('EdgeEvent') });
  for (let v = 0; v < versions; v++) await writer.append([...records('edges', 0, v * 4, v * 4 + 4), ...records('edges', 1, v, v + 1, (o) => edge(5000 + o))]);
}

describe('checkpoints', () => {
  it('are written at every tenth version, with _last_checkpoint pointing at the newest', async () => {
    const root = tempDir('cp-every-10');
    await tableWithVersions(root, 23);
    const log = join(root, LOG_DIRECTORY);
    assert.ok(existsSync(join(log, '00000000000000000010.checkpoint.parquet')));
    assert.ok(existsSync(join(log, '00000000000000000020.checkpoint.parquet')));
    assert.ok(!existsSync(join(log, '00000000000000000000.checkpoint.parquet')));
    assert.ok(!existsSync(join(log, '00000000000000000021.checkpoint.parquet')));
    const last = JSON.parse(readFileSync(join(log, '_last_checkpoint'), 'utf8')) as Record<string, number>;
    const table = await DeltaTable.open(root);
    assert.deepEqual(Object.keys(last), ['version', 'size', 'sizeInBytes', 'numOfAddFiles']);
    assert.equal(last.version, 20);
    assert.equal(last.numOfAddFiles, (await table.snapshotAt(20)).files.size);
    assert.equal(last.size, 2 + 2 + last.numOfAddFiles!, 'protocol, metaData, two txns and the adds');
  });

  it('hold exactly the reconciled state: reading one gives the snapshot the commits give', async () => {
    const root = tempDir('cp-content');
    await tableWithVersions(root, 8);
    await optimize(root); // version 8 removes files: tombstones
    const writer = await DeltaWriter.open({ table: root, sinkId: 'cp', avroSchema: avroSchema('EdgeEvent') });
    await writer.append(records('edges', 0, 32, 40)); // version 9
    await writer.append(records('edges', 0, 40, 48)); // version 10: checkpoint
    const table = await DeltaTable.open(root);
    const fromCheckpoint = await readCheckpoint(new LogStore(root), 10);
    const expected = checkpointActions(table.snapshot);
    assert.deepEqual(fromCheckpoint, JSON.parse(JSON.stringify(expected)));
    assert.ok(fromCheckpoint.some((a) => 'remove' in a), 'unexpired tombstones are kept');
    assert.deepEqual(fromCheckpoint.filter((a) => 'txn' in a), [
      { txn: { appId: 'cp.edges.0', version: 48, lastUpdated: table.snapshot.txns.get('cp.edges.0')!.lastUpdated } },
      { txn: { appId: 'cp.edges.1', version: 8, lastUpdated: table.snapshot.txns.get('cp.edges.1')!.lastUpdated } },
    ]);
  });

  it('are enough to open the table when the commits before them are gone, at the latest and at later versions', async () => {
    const root = tempDir('cp-only');
    await tableWithVersions(root, 13);
    const copy = tempDir('cp-only-copy');
    cpSync(root, copy, { recursive: true });
    for (let v = 0; v < 10; v++) rmSync(join(copy, LOG_DIRECTORY, commitFileName(v)));
    const table = await DeltaTable.open(copy);
    assert.equal(table.version, 12);
    assert.equal(table.lastTxnVersion('cp.edges.0'), 52);
    assert.equal(table.lastTxnVersion('cp.edges.1'), 13);
    assert.deepEqual(sortedIds((await readTable(copy)).rows), sortedIds((await readTable(root)).rows));
    assert.deepEqual(sortedIds((await readTable(copy, { version: 11 })).rows), [...idRange(0, 48), ...idRange(5000, 5012)].sort());
    await assert.rejects(readTable(copy, { version: 5 }), /version 5 cannot be loaded: commit 0 is missing/);
  });

  it('a checkpoint that cannot be written does not fail the append that triggered it', async () => {
    const root = tempDir('cp-fails');
    await tableWithVersions(root, 1);
    mkdirSync(join(root, LOG_DIRECTORY, '_last_checkpoint')); // renaming the pointer onto a directory fails
    const writer = await DeltaWriter.open({ table: root, sinkId: 'cp', avroSchema: avroSchema('EdgeEvent') });
    let tenth;
    for (let v = 1; v <= 10; v++) tenth = await writer.append(records('edges', 0, v * 4, v * 4 + 4));
    assert.equal(tenth!.version, 10);
    assert.ok(tenth!.checkpointError, 'the failure is reported');
    const table = await DeltaTable.open(root);
    assert.equal(table.version, 10);
    assert.equal(table.lastTxnVersion('cp.edges.0'), 44);
  });

  it('time travel before a checkpoint replays the commits from the start', async () => {
    const root = tempDir('cp-before');
    await tableWithVersions(root, 12);
    const { rows, version } = await readTable(root, { version: 4 });
    assert.equal(version, 4);
    assert.deepEqual(sortedIds(rows), [...idRange(0, 20), ...idRange(5000, 5005)].sort());
  });
});
