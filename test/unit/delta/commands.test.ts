import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deltaHistory, deltaOptimize, deltaRead, deltaVacuum, DeltaUsageError, DeltaWriter } from '../../../delta/index.js';
import { avroSchema, edge, records, tempDir } from './fixtures.js';

describe('CLI-facing commands', () => {
  it('history, read, optimize and vacuum print what they did', async () => {
    const root = tempDir('commands');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'cli', avroSchema: avroSchema('ImageIngest'), partitionBy: ['tenant'] });
    const image = (o: number): Record<string, unknown> => ({ id: `i${o}`, tenant: o % 2 ? 'odd' : 'even', uri: null, image: Buffer.from([o]), content_type: 'PNG', width: null, height: null, event_time: Date.UTC(2024, 4, 1) + o });
    await writer.append(records('img', 0, 0, 4, image));
    await writer.append(records('img', 0, 4, 6, image));

    const history = await deltaHistory(root);
    assert.equal(history.length, 3);
    assert.match(history[1]!, /^1 +2024-05-01T00:00:00\.005Z +STREAMING UPDATE +2 +0 +cli\.img\.0=6$/);
    assert.deepEqual((await deltaHistory(root, { json: true, limit: '1' })).map((line) => (JSON.parse(line) as { version: number }).version), [1]);

    const rows = (await deltaRead(root, { version: '0', partition: ['tenant=odd'] })).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(rows.map((row) => [row.id, row.image, row.tenant]), [['i1', 'AQ==', 'odd'], ['i3', 'Aw==', 'odd']]);
    assert.equal((await deltaRead(root, { limit: '3' })).length, 3);
    assert.equal((await deltaRead(root, { asOf: '2024-05-01T00:00:00.003Z' })).length, 4);

    assert.match((await deltaOptimize(root))[0]!, /^version 2: 4 files → 2 in 2 partitions, 6 rows/);
    assert.deepEqual(await deltaOptimize(root), ['nothing to compact']);
    assert.deepEqual(await deltaVacuum(root, { dryRun: true }), ['would delete 0 files (0 bytes); retention 168 h keeps versions ≥ 0']);
  });

  it('name the option that is wrong', async () => {
    const root = tempDir('commands-errors');
    await (await DeltaWriter.open({ table: root, sinkId: 'cli', avroSchema: avroSchema('EdgeEvent') })).append(records('e', 0, 0, 1, edge));
    await assert.rejects(deltaRead(root, { version: 'x' }), (e: unknown) => e instanceof DeltaUsageError && /--version x/.test(e.message));
    await assert.rejects(deltaRead(root, { asOf: 'yesterday' }), /--as-of yesterday/);
    await assert.rejects(deltaRead(root, { partition: ['tenant'] }), /--partition tenant: expected column=value/);
    await assert.rejects(deltaVacuum(root, { retentionHours: '0.2' }), /below the safe minimum/);
    await assert.rejects(deltaOptimize(root, { targetFileMb: '-1' }), /--target-file-mb -1/);
  });
});
