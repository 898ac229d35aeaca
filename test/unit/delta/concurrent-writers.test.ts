import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeltaTable } from '../../../delta/delta-table.js';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { LogStore, LOG_DIRECTORY } from '../../../delta/log-store.js';
import { readTable } from '../../../delta/table-reader.js';
import { avroSchema, edge, records, tempDir } from './fixtures.js';

const run = promisify(execFile);
const open = (table: string): Promise<DeltaWriter> => DeltaWriter.open({ table, sinkId: 'race', avroSchema: avroSchema('EdgeEvent') });

function assertContiguousLog(root: string): number {
  const versions = readdirSync(join(root, LOG_DIRECTORY)).filter((n) => /^\d{20}\.json$/.test(n)).map((n) => Number(n.slice(0, 20)));
  versions.sort((a, b) => a - b);
  assert.deepEqual(versions, versions.map((_, i) => i));
  return versions.length;
}

function assertEachOnce(rows: readonly Record<string, unknown>[], expected: readonly string[]): void {
  const ids = rows.map((row) => String(row.edge_id)).sort();
  assert.equal(new Set(ids).size, ids.length, 'a row was written twice');
  assert.deepEqual(ids, [...expected].sort());
}

describe('concurrent writers', () => {
  it('O_EXCL: of two writers creating the same version, exactly one succeeds', async () => {
    const root = tempDir('excl');
    const a = new LogStore(root);
    const b = new LogStore(root);
    for (let version = 0; version < 20; version++) {
      const outcome = await Promise.all([a.tryCommit(version, [{ txn: { appId: 'a', version } }]), b.tryCommit(version, [{ txn: { appId: 'b', version } }])]);
      assert.equal(outcome.filter(Boolean).length, 1, `version ${version}: ${JSON.stringify(outcome)}`);
    }
    assert.equal(assertContiguousLog(root), 20);
  });

  it('writers of different partitions racing in one process: losers retry on the next version, nothing lost', async () => {
    const root = tempDir('race-in-process');
    await (await open(root)).append(records('edges', 99, 0, 1, (o) => edge(99_000 + o))); // the table exists: no race on creation
    const writers = await Promise.all(Array.from({ length: 6 }, () => open(root)));
    const results = await Promise.all(
      writers.map(async (writer, p) => {
        const out = [];
        for (let batch = 0; batch < 4; batch++) out.push(await writer.append(records('edges', p, batch * 5, batch * 5 + 5, (o) => edge(p * 1000 + o))));
        return out;
      }),
    );
    const flat = results.flat();
    assert.equal(new Set(flat.map((r) => r.version)).size, 24, 'every append got its own version');
    assert.ok(flat.reduce((sum, r) => sum + r.attempts, 0) > 24, 'the writers did race for versions');
    assert.equal(assertContiguousLog(root), 25);
    const expected = ['edge-99000', ...Array.from({ length: 6 }, (_, p) => Array.from({ length: 20 }, (_, o) => `edge-${p * 1000 + o}`)).flat()];
    assertEachOnce((await readTable(root)).rows, expected);
    const table = await DeltaTable.open(root);
    for (let p = 0; p < 6; p++) assert.equal(table.lastTxnVersion(`race.edges.${p}`), 20);
  });

  it('one writer serving several partitions with concurrent appends', async () => {
    const root = tempDir('shared-writer');
    const writer = await open(root);
    await writer.append(records('edges', 9, 0, 1, (o) => edge(9000 + o)));
    const results = await Promise.all([0, 1, 2, 3].map((p) => writer.append(records('edges', p, 0, 10, (o) => edge(p * 1000 + o)))));
    assert.deepEqual(results.map((r) => r.version).sort(), [1, 2, 3, 4]);
    assert.equal(assertContiguousLog(root), 5);
    assertEachOnce((await readTable(root)).rows, ['edge-9000', ...[0, 1, 2, 3].flatMap((p) => Array.from({ length: 10 }, (_, o) => `edge-${p * 1000 + o}`))]);
  });

  it('a zombie that prepared the same batch skips it once the live owner committed', async () => {
    const root = tempDir('zombie');
    const live = await open(root);
    const zombie = await open(root);
    const batch = records('edges', 0, 0, 30);
    const [preparedLive, preparedZombie] = await Promise.all([live.prepare(batch), zombie.prepare(batch)]);
    const [first, second] = await Promise.all([live.commit(preparedLive), zombie.commit(preparedZombie)]);
    const versions = [first.version, second.version];
    assert.deepEqual(versions.filter((v) => v !== undefined), [0], `one commit only: ${JSON.stringify(versions)}`);
    assert.equal(first.rowsWritten + second.rowsWritten, 30);
    assertEachOnce((await readTable(root)).rows, Array.from({ length: 30 }, (_, o) => `edge-${o}`));
  });

  it('a zombie whose batch partly overlaps the owner’s commit writes only the rest', async () => {
    const root = tempDir('overlap');
    const live = await open(root);
    const zombie = await open(root);
    const preparedZombie = await zombie.prepare(records('edges', 0, 0, 30)); // read before the owner committed
    await live.append(records('edges', 0, 0, 20));
    const late = await zombie.commit(preparedZombie);
    assert.deepEqual({ version: late.version, written: late.rowsWritten, skipped: late.rowsSkipped, attempts: late.attempts }, { version: 1, written: 10, skipped: 20, attempts: 1 });
    assertEachOnce((await readTable(root)).rows, Array.from({ length: 30 }, (_, o) => `edge-${o}`));
  });

  it('separate processes race on the log: contiguous versions, every record once, zombies skip', async () => {
    const root = tempDir('race-processes');
    await (await open(root)).append(records('edges', 99, 0, 1, (o) => edge(99_000 + o)));
    const script = fileURLToPath(new URL('./race-writer.ts', import.meta.url));
    // Partitions 0 and 1 have one writer each; partition 2 has two (an owner and its zombie) writing the same batches.
    const partitions = [0, 1, 2, 2];
    const outputs = await Promise.all(partitions.map((p) => run(process.execPath, ['--import', 'tsx', script, root, String(p), '8', '10'], { timeout: 120_000 })));
    const appends = outputs.flatMap((o) => o.stdout.trim().split('\n').map((line) => JSON.parse(line) as { version: number | null; attempts: number; written: number }));
    const committed = appends.filter((a) => a.version !== null);
    assert.equal(new Set(committed.map((a) => a.version)).size, committed.length);
    assert.equal(assertContiguousLog(root), committed.length + 1);
    assert.equal(appends.reduce((sum, a) => sum + a.written, 0), 3 * 80, 'the zombie wrote nothing its owner had written');
    const expected = ['edge-99000', ...[0, 1, 2].flatMap((p) => Array.from({ length: 80 }, (_, o) => `edge-${p * 100_000 + o}`))];
    assertEachOnce((await readTable(root)).rows, expected);
  });
});
