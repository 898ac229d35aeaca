import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from '../../../delta/delta-table.js';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { DeltaUsageError } from '../../../delta/errors.js';
import { commitFileName, LOG_DIRECTORY, TEMP_PREFIX } from '../../../delta/log-store.js';
import { optimize } from '../../../delta/optimize.js';
import { readTable } from '../../../delta/table-reader.js';
import { uriToPath } from '../../../delta/table-layout.js';
import { vacuum } from '../../../delta/vacuum.js';
import { avroSchema, idRange, records, sortedIds, tempDir } from './fixtures.js';

const HOUR = 3_600_000;
const open = (table: string): Promise<DeltaWriter> => DeltaWriter.open({ table, sinkId: 'race', avroSchema: avroSchema('EdgeEvent') });

function parquetFiles(root: string, relative = ''): string[] {
  return readdirSync(join(root, relative), { withFileTypes: true }).flatMap((entry) => {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) return entry.name.startsWith('_') ? [] : parquetFiles(root, path);
    return entry.name.endsWith('.parquet') ? [path] : [];
  });
}

async function referencedByAnyVersion(root: string): Promise<Set<string>> {
  const table = await DeltaTable.open(root);
  const out = new Set<string>();
  for (let v = 0; v <= table.version; v++) for (const path of (await table.snapshotAt(v)).files.keys()) out.add(uriToPath(path));
  return out;
}

function age(root: string, relative: string, epochMs: number): void {
  utimesSync(join(root, relative), epochMs / 1000, epochMs / 1000);
}

describe('crash between data files and log, then vacuum', () => {
  it('a writer killed after writing its data files leaves orphans and no version; the batch is written again on resume', async () => {
    const root = tempDir('kill');
    await (await open(root)).append(records('edges', 5, 0, 3));
    const script = fileURLToPath(new URL('./race-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, root, '0', '1', '25', 'prepare'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('prepared') ? resolve() : undefined));
      child.on('exit', (code) => reject(new Error(`writer exited (${code}) before preparing`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const table = await DeltaTable.open(root);
    assert.equal(table.version, 0, 'the killed writer committed nothing');
    const orphans = parquetFiles(root).filter((path) => !table.snapshot.files.has(path));
    assert.ok(orphans.length > 0);

    const resumed = await open(root);
    assert.equal(await resumed.resumeOffset('edges', 0), undefined);
    const result = await resumed.append(records('edges', 0, 0, 25, (o) => ({ ...records('x', 0, o, o + 1)[0]!.value, edge_id: `edge-${o}` })));
    assert.equal(result.version, 1);
    assert.equal((await readTable(root)).rows.length, 28);
  });

  it('vacuum deletes only files no retained version references, and only once they are older than the retention', async () => {
    const root = tempDir('vacuum');
    const writer = await open(root);
    await writer.append(records('edges', 0, 0, 30));
    await writer.append(records('edges', 0, 30, 60));
    await writer.prepare(records('edges', 0, 60, 75)); // crashed attempt: orphans
    const compacted = await optimize(root);
    assert.ok(compacted.filesRemoved > 0);
    await writer.append(records('edges', 0, 60, 90)); // the replay, in a larger batch: other files than the orphans
    const staleTemp = `tenant=tenant-0/${TEMP_PREFIX}stale`;
    writeFileSync(join(root, staleTemp), 'partial write');
    writeFileSync(join(root, LOG_DIRECTORY, `${TEMP_PREFIX}log`), 'partial commit');
    writeFileSync(join(root, 'tenant=tenant-0', 'notes.txt'), 'not ours');

    const everReferenced = await referencedByAnyVersion(root);
    const orphans = parquetFiles(root).filter((path) => !everReferenced.has(path)).sort();
    assert.ok(orphans.length > 0);

    // Everything was just written: with the default 7-day retention nothing is old enough.
    assert.deepEqual((await vacuum(root, { dryRun: true })).files, []);
    // Two hours later, with a 3-hour retention, every version is retained and nothing is old enough either.
    assert.deepEqual((await vacuum(root, { retentionHours: 3, now: Date.now() + 2 * HOUR, dryRun: true })).files, []);

    // Age the history: versions 0–1 and the orphans 3 days old, optimize (version 2) 2 days old, the last append now.
    const now = Date.now();
    for (const v of [0, 1]) age(root, `${LOG_DIRECTORY}/${commitFileName(v)}`, now - 72 * HOUR);
    age(root, `${LOG_DIRECTORY}/${commitFileName(2)}`, now - 48 * HOUR);
    for (const path of parquetFiles(root)) age(root, path, now - 72 * HOUR);
    for (const path of [staleTemp, `${LOG_DIRECTORY}/${TEMP_PREFIX}log`]) age(root, path, now - 72 * HOUR);

    // Retention 60 h: version 1 was current at the cutoff, so the files optimize removed are still needed.
    const keepHistory = await vacuum(root, { retentionHours: 60, now, dryRun: true });
    assert.equal(keepHistory.oldestRetainedVersion, 1);
    assert.deepEqual(keepHistory.files, [...orphans, `${LOG_DIRECTORY}/${TEMP_PREFIX}log`, staleTemp].sort());

    // Retention 36 h: version 2 (the optimize) was current at the cutoff; files only versions 0–1 used go too.
    const latest = await DeltaTable.open(root);
    const live = new Set([...latest.snapshot.files.keys()].map(uriToPath));
    const dry = await vacuum(root, { retentionHours: 36, now, dryRun: true });
    assert.equal(dry.oldestRetainedVersion, 2);
    const expected = [...parquetFiles(root).filter((path) => !live.has(path)), `${LOG_DIRECTORY}/${TEMP_PREFIX}log`, staleTemp].sort();
    assert.deepEqual(dry.files, expected);
    assert.ok(dry.files.every((path) => existsSync(join(root, path))), 'a dry run deletes nothing');

    const done = await vacuum(root, { retentionHours: 36, now });
    assert.deepEqual(done.files, expected);
    assert.ok(expected.every((path) => !existsSync(join(root, path))));
    assert.ok(existsSync(join(root, 'tenant=tenant-0', 'notes.txt')), 'files that are not data files are never touched');
    assert.deepEqual(new Set(parquetFiles(root)), live);
    assert.deepEqual(sortedIds((await readTable(root)).rows), idRange(0, 90));
  });

  it('refuses a retention below the safe minimum', async () => {
    const root = tempDir('minimum');
    await (await open(root)).append(records('edges', 0, 0, 1));
    await assert.rejects(vacuum(root, { retentionHours: 0.5 }), DeltaUsageError);
  });
});
