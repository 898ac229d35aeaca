import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { optimize } from '../../../delta/optimize.js';
import { tableHash } from '../../../delta/table-hash.js';
import { avroSchema, edge, records, tempDir } from './fixtures.js';

/** One run of a sink: the same batches of three partitions, a crashed attempt, 12 commits (a checkpoint), an optimize. */
async function run(root: string): Promise<void> {
  const writer = await DeltaWriter.open({ table: root, sinkId: 'repro', avroSchema: avroSchema('EdgeEvent') });
  for (let batch = 0; batch < 12; batch++) {
    const from = batch * 10;
    await writer.append([0, 1, 2].flatMap((p) => records('edges', p, from, from + 10, (o) => edge(p * 1000 + o))));
    if (batch === 4) await writer.prepare(records('edges', 0, from + 10, from + 13)); // a crashed attempt: its orphans must match too
  }
  await optimize(root);
}

describe('reproducibility', () => {
  it('two runs over the same records give byte-identical tables (log, checkpoint, data files)', async () => {
    const [a, b] = [tempDir('repro-a'), tempDir('repro-b')];
    await run(a);
    await run(b);
    const [hashA, hashB] = [await tableHash(a), await tableHash(b)];
    assert.ok(hashA.files.some((f) => f.path === '_delta_log/00000000000000000010.checkpoint.parquet'));
    assert.ok(hashA.files.some((f) => f.path === '_delta_log/00000000000000000012.json'), 'optimize committed version 12');
    assert.deepEqual(hashA.files, hashB.files);
    assert.equal(hashA.sha256, hashB.sha256);
  });

  it('the hash changes when any byte of the table changes', async () => {
    const root = tempDir('repro-change');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'repro', avroSchema: avroSchema('EdgeEvent') });
    await writer.append(records('edges', 0, 0, 5));
    const before = await tableHash(root);
    const commit = join(root, '_delta_log', '00000000000000000000.json');
    writeFileSync(commit, readFileSync(commit, 'utf8').replace('"isBlindAppend":true', '"isBlindAppend":false'));
    assert.notEqual((await tableHash(root)).sha256, before.sha256);
  });
});
