import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DeltaWriter, optimize, type SinkRecord } from '../../delta/index.js';
import { CROSSCHECK_SCRIPT, readerPython } from '../../scripts/delta/reader-venv.js';
import { avroSchema, edge } from '../unit/delta/fixtures.js';

/**
 * Tables written by delta/ read by independent readers: delta-rs (through the log, at the latest version, at
 * older ones, across a checkpoint, with a partition filter) and DuckDB (the Parquet files themselves).
 * The Python readers come from scripts/delta/requirements.txt, installed on first run under .stack/venv-delta.
 */

const run = promisify(execFile);

interface CrosscheckReport {
  ok: boolean;
  reports: { check: string; reader: string; ok: boolean; rows?: number; expected?: number; version?: number; files?: number; actual?: unknown }[];
}

type Row = Record<string, unknown>;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

async function crosscheck(python: string, dir: string, spec: object): Promise<CrosscheckReport> {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(spec));
  try {
    const { stdout } = await run(python, [CROSSCHECK_SCRIPT, path], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as CrosscheckReport;
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout) as CrosscheckReport;
    throw error;
  }
}

describe('delta tables read by delta-rs and DuckDB', () => {
  let python: string;
  const dir = mkdtempSync(join(tmpdir(), 'weir-delta-readers-'));
  before(async () => {
    python = await readerPython();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('delta-rs reads the latest and older versions (through a checkpoint) and one partition at an old version with exactly the rows written; DuckDB reads the files', async () => {
    const table = join(dir, 'edges');
    const writer = await DeltaWriter.open({ table, sinkId: 'xcheck', avroSchema: avroSchema('EdgeEvent') });
    const tenants = ['tenant-0', 'tenant-1', 'a b:c%d/é'];
    const value = (partition: number, offset: number): Row => ({ ...edge(offset), edge_id: `p${partition}-${offset}`, tenant: tenants[(offset + partition) % 3] });
    const expectedAt: Row[][] = [];
    const live: Row[] = [];
    const next = [0, 0];
    for (let version = 0; version < 12; version++) {
      const batch: SinkRecord[] = [];
      for (const partition of [0, 1]) {
        const size = 3 + ((version + partition) % 4);
        for (let i = 0; i < size; i++) batch.push({ topic: 'edges', partition, offset: next[partition]!, value: value(partition, next[partition]!++) });
      }
      if (version === 6) await writer.prepare(batch.slice(0, 2)); // a crashed attempt: orphan files readers must ignore
      assert.equal((await writer.append(batch)).version, version);
      live.push(...batch.map((r) => ({ ...r.value, kind: 'EdgeEvent', date: dateOf(r.value.event_time as number) })));
      expectedAt.push([...live]);
    }
    assert.equal((await optimize(table)).version, 12);
    expectedAt.push([...live]);

    const report = await crosscheck(python, dir, {
      table,
      key: 'edge_id',
      checks: [
        { name: 'latest (after optimize)', version: 12, rows: expectedAt[12] },
        { name: 'version 11 (before optimize)', version: 11, rows: expectedAt[11] },
        { name: 'version 10 (checkpoint)', version: 10, rows: expectedAt[10] },
        { name: 'version 3', version: 3, rows: expectedAt[3] },
        { name: 'version 5, tenant a b:c%d/é', version: 5, filters: [['tenant', '=', 'a b:c%d/é']], rows: expectedAt[5]!.filter((r) => r.tenant === 'a b:c%d/é') },
      ],
      txns: { 'xcheck.edges.0': next[0], 'xcheck.edges.1': next[1] },
    });
    assert.ok(report.ok, JSON.stringify(report.reports.filter((r) => !r.ok), null, 2));
    const rows = Object.fromEntries(report.reports.map((r) => [r.check, r.rows]));
    assert.equal(rows['latest (after optimize)'], live.length);
    assert.equal(rows['version 3'], expectedAt[3]!.length);
    assert.ok((rows['version 5, tenant a b:c%d/é'] ?? 0) > 0);
    assert.equal(rows['duckdb read_parquet, latest files'], live.length);
  });

  it('delta-rs and DuckDB read every value type back: nulls, bytes, enums, ints, timestamps', async () => {
    const table = join(dir, 'images');
    const writer = await DeltaWriter.open({ table, sinkId: 'xcheck', avroSchema: avroSchema('ImageIngest') });
    const images: Row[] = Array.from({ length: 12 }, (_, i) => ({
      id: `img-${i}`,
      tenant: i % 2 ? 'acme' : 'globex',
      uri: i % 3 === 0 ? null : `s3://bucket/${i}.png`,
      image: i % 3 === 0 ? Buffer.from([i, 0, 255, i * 7]) : null,
      content_type: ['JPEG', 'PNG', 'WEBP', 'GIF'][i % 4],
      width: i % 4 === 1 ? null : 100 + i,
      height: i % 5 === 2 ? null : -(2 ** 31) + i,
      event_time: Date.UTC(2023, 11, 31, 23, 59) + i * 60_000,
    }));
    await writer.append(images.slice(0, 7).map((v, offset) => ({ topic: 'images', partition: 0, offset, value: v })));
    await writer.append(images.slice(7).map((v, i) => ({ topic: 'images', partition: 0, offset: 7 + i, value: v })));
    const typed = images.map((r) => ({ ...r, image: r.image === null ? null : (r.image as Buffer).toString('base64'), kind: 'ImageIngest', date: dateOf(r.event_time as number) }));
    const report = await crosscheck(python, dir, {
      table,
      key: 'id',
      checks: [
        { name: 'latest', version: 1, rows: typed },
        { name: 'version 0', version: 0, rows: typed.slice(0, 7) },
      ],
      txns: { 'xcheck.images.0': 12 },
    });
    assert.ok(report.ok, JSON.stringify(report.reports.filter((r) => !r.ok), null, 2));
    assert.deepEqual(report.reports.map((r) => [r.check, r.ok]), [
      ['latest', true],
      ['version 0', true],
      ['duckdb read_parquet, latest files', true],
      ['transaction versions', true],
      ['history', true],
    ]);
  });

  it('delta-rs and DuckDB read nested records, arrays of records, maps and dates as written', async () => {
    const table = join(dir, 'nested');
    const schema = {
      type: 'record',
      name: 'Reading',
      namespace: 'weir.test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'tenant', type: 'string' },
        { name: 'sensor', type: { type: 'record', name: 'Sensor', fields: [{ name: 'model', type: 'string' }, { name: 'calibrated', type: ['null', { type: 'int', logicalType: 'date' }] }] } },
        { name: 'samples', type: { type: 'array', items: { type: 'record', name: 'Sample', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'value', type: ['null', 'float'] }] } } },
        { name: 'counters', type: ['null', { type: 'map', values: 'long' }] },
        { name: 'backup', type: ['null', 'Sensor'] },
        { name: 'event_time', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ],
    };
    const writer = await DeltaWriter.open({ table, sinkId: 'xcheck', avroSchema: schema });
    const rows: Row[] = Array.from({ length: 8 }, (_, i) => ({
      id: `r${i}`,
      tenant: i % 2 ? 'acme' : 'globex',
      sensor: { model: `m-${i % 3}`, calibrated: i % 3 === 0 ? null : 19_800 + i },
      samples: Array.from({ length: i % 4 }, (_, k) => ({ at: Date.UTC(2024, 0, 1) + k * 1000, value: k === 1 ? null : k + 0.5 })),
      counters: i % 2 ? null : { seen: i, lost: 2 ** 40 + i },
      backup: i % 4 === 3 ? { model: 'spare', calibrated: 19_000 } : null,
      event_time: Date.UTC(2024, 0, 1, 12) + i * 3_600_000,
    }));
    await writer.append(rows.map((value, offset) => ({ topic: 'readings', partition: 0, offset, value })));
    const expected: Row[] = rows.map((r) => ({ ...r, kind: 'Reading', date: dateOf(r.event_time as number) }));
    const days = (n: number): string => dateOf(n * 86_400_000);
    const typed = expected.map((r) => ({
      ...r,
      sensor: { ...(r.sensor as Row), calibrated: (r.sensor as Row).calibrated === null ? null : days((r.sensor as Row).calibrated as number) },
      backup: r.backup === null ? null : { model: 'spare', calibrated: days(19_000) },
    }));
    const report = await crosscheck(python, dir, { table, key: 'id', checks: [{ name: 'latest', version: 0, rows: typed }], txns: { 'xcheck.readings.0': 8 } });
    assert.ok(report.ok, JSON.stringify(report.reports.filter((r) => !r.ok), null, 2));
    assert.deepEqual(report.reports.map((r) => r.ok), [true, true, true, true]);
  });
});
