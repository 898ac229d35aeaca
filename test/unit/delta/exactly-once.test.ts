import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SinkRecord } from '../../../delta/append-plan.js';
import { planAppend } from '../../../delta/append-plan.js';
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { DeltaRecordError } from '../../../delta/errors.js';
import { readTable } from '../../../delta/table-reader.js';
import { avroSchema, idRange, records, sortedIds, tempDir } from './fixtures.js';

/**
 * A sink loop over a simulated topic: resume each partition from the table's txn version (else from the
 * consumer group's committed offset), append, then commit the offsets. Crashes are injected between steps.
 */
class SimulatedSink {
  /** The consumer group's committed offsets, as Kafka would keep them. */
  readonly kafkaCommitted = new Map<number, number>();

  constructor(
    private readonly table: string,
    private readonly topic: Map<number, SinkRecord[]>,
  ) {}

  async open(): Promise<DeltaWriter> {
    return DeltaWriter.open({ table: this.table, sinkId: 'edges-sink', avroSchema: avroSchema('EdgeEvent') });
  }

  /** The next batch of up to `size` records per partition, from where the table (or Kafka) says to resume. */
  async nextBatch(writer: DeltaWriter, size: number): Promise<SinkRecord[]> {
    const batch: SinkRecord[] = [];
    for (const [partition, log] of this.topic) {
      const from = (await writer.resumeOffset('edges', partition)) ?? this.kafkaCommitted.get(partition) ?? 0;
      batch.push(...log.slice(from, from + size));
    }
    return batch;
  }
}

describe('exactly once', () => {
  it('plans only the records past the committed transaction version of their partition', () => {
    const txns = new Map([['s.t.0', { appId: 's.t.0', version: 5 }]]);
    const batch = [...records('t', 0, 3, 8), ...records('t', 1, 0, 2)];
    const plan = planAppend('s', batch, txns);
    assert.deepEqual(plan.offsets, [5, 6, 7, 0, 1]);
    assert.equal(plan.skipped, 2);
    assert.deepEqual(plan.txns, [{ appId: 's.t.0', version: 8 }, { appId: 's.t.1', version: 2 }]);
    assert.equal(plan.key, 's.t.0:5-7,s.t.1:0-1');
    const covered = planAppend('s', records('t', 0, 5, 6), txns, [{ topic: 't', partition: 0, nextOffset: 9 }]);
    assert.deepEqual(covered.txns, [{ appId: 's.t.0', version: 9 }]);
    assert.deepEqual(planAppend('s', [...records('t', 0, 5, 7), ...records('t', 0, 6, 7)], txns).offsets, [5, 6]);
    assert.throws(() => planAppend('s', [...records('t', 0, 6, 7), ...records('t', 0, 5, 6)], txns), DeltaRecordError);
  });

  it('skips a batch replayed after a crash between the table commit and the Kafka offset commit', async () => {
    const root = tempDir('replay');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'sink', avroSchema: avroSchema('EdgeEvent') });
    const batch = records('edges', 0, 0, 40);
    const first = await writer.append(batch);
    assert.equal(first.version, 0);
    // The process died before committing offset 40 to Kafka: the same records come again.
    const again = await (await DeltaWriter.open({ table: root, sinkId: 'sink', avroSchema: avroSchema('EdgeEvent') })).append(batch);
    assert.deepEqual({ version: again.version, written: again.rowsWritten, skipped: again.rowsSkipped }, { version: undefined, written: 0, skipped: 40 });
    assert.deepEqual(again.positions, [{ topic: 'edges', partition: 0, nextOffset: 40 }]);
    // A larger batch overlapping the committed one writes only the new records.
    const overlap = await writer.append(records('edges', 0, 30, 60));
    assert.deepEqual({ version: overlap.version, written: overlap.rowsWritten, skipped: overlap.rowsSkipped }, { version: 1, written: 20, skipped: 10 });
    assert.deepEqual(sortedIds((await readTable(root)).rows), idRange(0, 60));
  });

  it('loses and duplicates nothing when crashes hit between data files and log, and between log and Kafka', async () => {
    const root = tempDir('crashes');
    const topic = new Map([0, 1, 2].map((p) => [p, records('edges', p, 0, 100, (o) => ({ ...records('x', 0, 0, 1)[0]!.value, edge_id: `p${p}-${o}`, tenant: `tenant-${o % 2}`, event_time: Date.UTC(2024, 4, 1) + o * 600_000 }))]));
    const sink = new SimulatedSink(root, topic);
    let crashes = 0;
    for (let step = 0; step < 40; step++) {
      const writer = await sink.open(); // every step is a restart: state comes from the table and Kafka only
      const batch = await sink.nextBatch(writer, 7 + (step % 5));
      if (batch.length === 0) break;
      if (step % 3 === 1) {
        await writer.prepare(batch); // crash after the data files, before the log
        crashes++;
        continue;
      }
      const result = await writer.append(batch);
      if (step % 3 === 2) {
        crashes++; // crash after the log, before the offsets reach Kafka
        continue;
      }
      for (const position of result.positions) sink.kafkaCommitted.set(position.partition, position.nextOffset);
    }
    assert.ok(crashes >= 8, `only ${crashes} crashes`);
    const rows = (await readTable(root)).rows;
    const expected = [0, 1, 2].flatMap((p) => Array.from({ length: 100 }, (_, o) => `p${p}-${o}`)).sort();
    assert.deepEqual(rows.map((row) => String(row.edge_id)).sort(), expected);
    const parquetFiles = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? (e.name.startsWith('_') ? 0 : parquetFiles(join(dir, e.name))) : e.name.endsWith('.parquet') ? 1 : 0), 0);
    assert.ok(parquetFiles(root) > (await readTable(root)).files, 'crashed attempts left data files the log does not reference');
  });

  it('resumes each partition from the version the table recorded', async () => {
    const root = tempDir('resume');
    const writer = await DeltaWriter.open({ table: root, sinkId: 'sink', avroSchema: avroSchema('EdgeEvent') });
    await writer.append([...records('edges', 0, 0, 5), ...records('edges', 3, 10, 12)], [{ topic: 'edges', partition: 3, nextOffset: 14 }]);
    assert.equal(await writer.resumeOffset('edges', 0), 5);
    assert.equal(await writer.resumeOffset('edges', 3), 14);
    assert.equal(await writer.resumeOffset('edges', 1), undefined);
    const other = await DeltaWriter.open({ table: root, sinkId: 'another-sink', avroSchema: avroSchema('EdgeEvent') });
    assert.equal(await other.resumeOffset('edges', 0), undefined);
  });
});
