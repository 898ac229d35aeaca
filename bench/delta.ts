/**
 * Benchmark (not a test) of the Delta sink's table library on EdgeEvent-like rows:
 * - writer throughput (rows/s, MB/s of Parquet written and of the same records as raw Avro), as a ratio
 *   to the Avro binary encoding of the same rows measured in the same run;
 * - commit latency of small appends (p50/p99), and of the bare exclusive log-file creation;
 * - a table of `--rows` rows (default 1,000,000) in batches of `--batch`: a time-travel query of one
 *   partition at an older version (`readTable` from a cold open of the table), median and worst of runs,
 *   and with `--delta-rs` the same query by delta-rs in the same run as a baseline;
 * - storage overhead: table bytes (data files + log) / raw Avro bytes of the same records, for EdgeEvent
 *   and ImageIngest (by reference, no inline image).
 *
 *   nice -n 15 node --import tsx bench/delta.ts [--rows 1000000] [--batch 10000] [--delta-rs]
 */
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import avro from 'avsc';
import { DeltaTable, DeltaWriter, optimize, readTable, type SinkRecord } from '../delta/index.js';
import { LogStore } from '../delta/log-store.js';
import { readerPython } from '../scripts/delta/reader-venv.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    'delta-rs': { type: 'boolean', default: false },
    runs: { type: 'string', default: '15' },
  },
});
const totalRows = Number(values.rows);
const batchRows = Number(values.batch);
const runs = Number(values.runs);

const schemaOf = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../schemas/${name}.avsc`, import.meta.url)), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'weir-delta-bench-'));
const MAY_1_2024 = Date.UTC(2024, 4, 1);
const DAYS = 30;
const TENANTS = 7;

/** EdgeEvent i of n: 7 tenants, event times spread over 30 days, 2–5 nodes from a pool of 200k. */
function edgeEvent(i: number, n: number): Record<string, unknown> {
  const nodes = 2 + (i % 4);
  return {
    edge_id: `edge-${i.toString(36)}-${(i * 2654435761) % 1e9}`,
    tenant: `tenant-${i % TENANTS}`,
    node_ids: Array.from({ length: nodes }, (_, j) => `node-${(i * 31 + j * 7919) % 200_000}`),
    weight: ((i * 48271) % 100_000) / 1000,
    event_time: MAY_1_2024 + Math.floor((i / n) * DAYS * 86_400_000),
  };
}

function imageIngest(i: number, n: number): Record<string, unknown> {
  return {
    id: `img-${i}`,
    tenant: `tenant-${i % TENANTS}`,
    uri: `s3://media-bucket/${i % TENANTS}/${i.toString(36)}.jpg`,
    image: null,
    content_type: ['JPEG', 'PNG', 'WEBP'][i % 3],
    width: 640 + (i % 1280),
    height: i % 10 === 0 ? null : 480 + (i % 720),
    event_time: MAY_1_2024 + Math.floor((i / n) * DAYS * 86_400_000),
  };
}

const sinkRecords = (from: number, to: number, n: number, value = edgeEvent): SinkRecord[] =>
  Array.from({ length: to - from }, (_, k) => ({ topic: 'edges', partition: (from + k) % 4, offset: Math.floor((from + k) / 4), value: value(from + k, n) }));

function directoryBytes(root: string): number {
  return readdirSync(root, { withFileTypes: true }).reduce((sum, entry) => sum + (entry.isDirectory() ? directoryBytes(join(root, entry.name)) : statSync(join(root, entry.name)).size), 0);
}

function avroBytes(schema: unknown, rows: readonly Record<string, unknown>[]): number {
  const type = avro.Type.forSchema(schema as avro.Schema);
  return rows.reduce((sum, row) => sum + type.toBuffer(row).byteLength, 0);
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

console.log(`delta bench — ${totalRows} rows in batches of ${batchRows}; machine shared, figures noisy: read ratios`);

// 1. Writer throughput against the Avro encoding of the same rows.
{
  const n = 200_000;
  const rows = Array.from({ length: n }, (_, i) => edgeEvent(i, n));
  const type = avro.Type.forSchema(schemaOf('EdgeEvent') as avro.Schema);
  let start = performance.now();
  let raw = 0;
  for (const row of rows) raw += type.toBuffer(row).byteLength;
  const avroSeconds = (performance.now() - start) / 1000;

  const root = join(work, 'throughput');
  const writer = await DeltaWriter.open({ table: root, sinkId: 'bench', avroSchema: schemaOf('EdgeEvent') });
  start = performance.now();
  for (let from = 0; from < n; from += batchRows) await writer.append(sinkRecords(from, Math.min(n, from + batchRows), n));
  const writeSeconds = (performance.now() - start) / 1000;
  const written = directoryBytes(root);
  console.log(`writer: ${n} EdgeEvent rows in batches of ${batchRows}`);
  console.log(`  delta append  ${(n / writeSeconds).toFixed(0)} rows/s, ${(raw / 1e6 / writeSeconds).toFixed(1)} MB/s of Avro input, ${(written / 1e6 / writeSeconds).toFixed(1)} MB/s written`);
  console.log(`  avro encode   ${(n / avroSeconds).toFixed(0)} rows/s (baseline)   ratio delta/avro ${((n / writeSeconds) / (n / avroSeconds)).toFixed(3)}`);
}

// 2. Commit latency of small appends, and of the exclusive creation of a log file alone.
{
  const root = join(work, 'latency');
  const writer = await DeltaWriter.open({ table: root, sinkId: 'bench', avroSchema: schemaOf('EdgeEvent') });
  const appends: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    await writer.append(sinkRecords(i * 100, i * 100 + 100, 20_000));
    appends.push(performance.now() - start);
  }
  const store = new LogStore(join(work, 'bare-log'));
  const bare: number[] = [];
  for (let v = 0; v < 200; v++) {
    const start = performance.now();
    await store.tryCommit(v, [{ txn: { appId: 'bench', version: v } }]);
    bare.push(performance.now() - start);
  }
  appends.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  console.log(`commit latency: append of 100 rows p50 ${ms(percentile(appends, 50))} p99 ${ms(percentile(appends, 99))}; bare log commit (fsync + link) p50 ${ms(percentile(bare, 50))} p99 ${ms(percentile(bare, 99))}`);
}

// 3. A large table and a time-travel query of one partition at an older version.
{
  const root = join(work, 'large');
  const writer = await DeltaWriter.open({ table: root, sinkId: 'bench', avroSchema: schemaOf('EdgeEvent') });
  const start = performance.now();
  for (let from = 0; from < totalRows; from += batchRows) await writer.append(sinkRecords(from, Math.min(totalRows, from + batchRows), totalRows));
  const buildSeconds = (performance.now() - start) / 1000;
  const table = await DeltaTable.open(root);
  const version = Math.floor(table.version / 2) - 3; // an older version, not at a checkpoint
  const filter = { tenant: 'tenant-3', date: '2024-05-04' };
  const timings: number[] = [];
  let result = await readTable(root, { version, partitions: filter });
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await readTable(root, { version, partitions: filter });
    timings.push(performance.now() - t);
  }
  timings.sort((a, b) => a - b);
  console.log(`table: ${totalRows} rows, ${table.version + 1} versions, ${table.snapshot.files.size} files, built in ${buildSeconds.toFixed(1)} s (${(totalRows / buildSeconds).toFixed(0)} rows/s)`);
  console.log(`time travel: version ${version}, partition tenant-3/2024-05-04 (${result.rows.length} rows, ${result.files} files), open + read: median ${ms(percentile(timings, 50))}, worst ${ms(timings.at(-1)!)} (budget 300 ms)`);

  if (values['delta-rs']) {
    const python = await readerPython();
    const script = join(work, 'delta-rs-query.py');
    writeFileSync(
      script,
      [
        'import datetime, sys, time',
        'from deltalake import DeltaTable',
        'times = []',
        `for _ in range(${runs}):`,
        '    t = time.perf_counter()',
        `    rows = DeltaTable(sys.argv[1], version=${version}).to_pyarrow_table(filters=[("tenant", "=", "tenant-3"), ("date", "=", datetime.date(2024, 5, 4))]).num_rows`,
        '    times.append((time.perf_counter() - t) * 1000)',
        'times.sort()',
        'print(rows, times[len(times) // 2], times[-1])',
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(python, [script, root]);
    const [rows, median, worst] = stdout.trim().split(' ').map(Number);
    console.log(`  delta-rs baseline: ${rows} rows, median ${ms(median!)}, worst ${ms(worst!)}; ratio weir/delta-rs (median) ${(percentile(timings, 50) / median!).toFixed(2)}`);
  }
}

// 4. Storage overhead against raw Avro.
for (const [name, value] of [['EdgeEvent', edgeEvent], ['ImageIngest', imageIngest]] as const) {
  const n = 100_000;
  const root = join(work, `overhead-${name}`);
  const writer = await DeltaWriter.open({ table: root, sinkId: 'bench', avroSchema: schemaOf(name) });
  const all = sinkRecords(0, n, n, value);
  for (let from = 0; from < n; from += batchRows) await writer.append(all.slice(from, from + batchRows));
  const raw = avroBytes(schemaOf(name), all.map((r) => r.value));
  const fresh = directoryBytes(root);
  await optimize(root);
  const compacted = (await DeltaTable.open(root)).snapshot;
  const liveBytes = [...compacted.files.values()].reduce((sum, add) => sum + add.size, 0);
  console.log(
    `storage ${name}: ${n} rows, raw Avro ${(raw / 1e6).toFixed(2)} MB; table after appends of ${batchRows} ${(fresh / 1e6).toFixed(2)} MB (×${(fresh / raw).toFixed(2)}), ` +
      `live data after optimize ${(liveBytes / 1e6).toFixed(2)} MB (×${(liveBytes / raw).toFixed(2)})`,
  );
}

rmSync(work, { recursive: true, force: true });
