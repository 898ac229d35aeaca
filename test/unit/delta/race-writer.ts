/**
 * A writer process for the concurrency and crash tests.
 *   node --import tsx race-writer.ts <table> <partition> <batches> <size>          appends, one JSON line per append
 *   node --import tsx race-writer.ts <table> <partition> <batches> <size> prepare  writes the first batch's data
 *     files, prints "prepared" and waits to be killed before committing
 * Two processes given the same partition act as a live owner and its zombie: they write the same records.
 */
import { DeltaWriter } from '../../../delta/delta-writer.js';
import { avroSchema, edge, records } from './fixtures.js';

const [table, partitionText, batchesText, sizeText, mode] = process.argv.slice(2);
if (!table || !partitionText || !batchesText || !sizeText) throw new Error('usage: race-writer.ts <table> <partition> <batches> <size> [prepare]');
const partition = Number(partitionText);
const size = Number(sizeText);
const writer = await DeltaWriter.open({ table, sinkId: 'race', avroSchema: avroSchema('EdgeEvent') });
const batch = (index: number) => records('edges', partition, index * size, (index + 1) * size, (offset) => edge(partition * 100_000 + offset));
if (mode === 'prepare') {
  await writer.prepare(batch(0));
  console.log('prepared');
  setInterval(() => undefined, 60_000); // stay alive until killed
} else {
  for (let index = 0; index < Number(batchesText); index++) {
    const result = await writer.append(batch(index));
    console.log(JSON.stringify({ version: result.version ?? null, attempts: result.attempts, written: result.rowsWritten }));
  }
}
