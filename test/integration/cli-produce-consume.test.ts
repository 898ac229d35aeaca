import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeWireFormat } from '../../schemas/avro.js';
import { runWeir, type WeirRun } from '../support/weir-cli.js';
import { brokers, createTopic, servicesForFile, uniqueName } from './support/services.js';

/** `weir produce` and `weir consume` as child processes against the real broker. */


const weir = (args: readonly string[], stdin?: string): Promise<WeirRun> => runWeir([...args, '--brokers', brokers.join(',')], stdin === undefined ? {} : { stdin });

const services = servicesForFile();
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weir-cli-'));
});

after(() => rm(dir, { recursive: true, force: true }));

async function recordCount(topic: string): Promise<number> {
  const offsets = await services.admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
}

test('records produced from a JSONL file and stdin come back from consume, keyed and unchanged', { timeout: 120_000 }, async () => {
  const topic = uniqueName('weir-cli');
  await createTopic(services.admin, topic, 3);
  const records = Array.from({ length: 50 }, (_, id) => ({ id: `sensor-${id % 7}`, seq: id, reading: { level: id / 4, unit: 'dB' }, note: id % 5 === 0 ? 'ünïcødé ✓' : null }));
  const file = join(dir, 'records.jsonl');
  await writeFile(file, `${records.slice(0, 40).map((record) => JSON.stringify(record)).join('\n')}\n`);

  const fromFile = await weir(['produce', topic, file, '--key-field', 'id']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(fromFile.stdout, `sent 40 records to ${topic}\n`);
  const fromStdin = await weir(['produce', topic, '--key-field', 'id'], records.slice(40).map((record) => JSON.stringify(record)).join('\n'));
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.equal(fromStdin.stdout, `sent 10 records to ${topic}\n`);

  const consumed = await weir(['consume', topic, '--from-beginning', '--max', '50', '--timeout-ms', '20000']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const lines = consumed.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; value: { seq: number }; headers: object; partition: number; offset: string; timestamp: number });
  assert.equal(lines.length, 50);
  assert.deepEqual(
    lines.map((line) => line.value).sort((a, b) => a.seq - b.seq),
    records,
  );
  for (const line of lines) {
    assert.deepEqual(Object.keys(line), ['key', 'value', 'headers', 'partition', 'offset', 'timestamp']);
    assert.equal(line.key, records[line.value.seq]?.id);
    assert.ok(Math.abs(line.timestamp - Date.now()) < 120_000);
  }
  const partitionOfKey = new Map<string, number>();
  for (const line of lines) {
    assert.equal(partitionOfKey.get(line.key) ?? line.partition, line.partition, `key ${line.key} stays in one partition`);
    partitionOfKey.set(line.key, line.partition);
  }
  const inPartitionOrder = (partition: number): number[] => lines.filter((line) => line.partition === partition).map((line) => line.value.seq);
  for (const partition of [0, 1, 2]) assert.deepEqual(inPartitionOrder(partition), [...inPartitionOrder(partition)].sort((a, b) => a - b), 'order kept per partition');
});

test('a JSONL file with a bad line is refused with its line number and nothing is sent', { timeout: 60_000 }, async () => {
  const topic = uniqueName('weir-cli-bad');
  await createTopic(services.admin, topic, 1);
  const file = join(dir, 'bad.jsonl');
  await writeFile(file, '{"seq":1}\n{"seq":2}\n{"seq":3,}\n\n{"seq":5}\n');

  const result = await weir(['produce', topic, file]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^${file.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: not JSON: `, 'm'));
  assert.match(result.stderr, new RegExp(`^nothing sent to ${topic}$`, 'm'));
  assert.equal(await recordCount(topic), 0);
});

test('--avro sends records in the wire format; consume prints them as base64', { timeout: 60_000 }, async () => {
  const topic = uniqueName('weir-cli-avro');
  await createTopic(services.admin, topic, 1);
  const edges = [1, 2, 3].map((n) => ({ edge_id: `e${n}`, tenant: 'acme', node_ids: ['a', `b${n}`], weight: n / 2, event_time: 1_700_000_000_000 + n }));
  const produced = await weir(['produce', topic, '--avro', 'EdgeEvent', '--key-field', 'edge_id'], edges.map((edge) => JSON.stringify(edge)).join('\n'));
  assert.equal(produced.code, 0, produced.stderr);

  const consumed = await weir(['consume', topic, '--from-beginning', '--max', '3', '--timeout-ms', '20000']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const lines = consumed.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; value: string });
  assert.deepEqual(
    lines.map((line) => ({ key: line.key, value: decodeWireFormat(Buffer.from(line.value, 'base64'), 'EdgeEvent').value })),
    edges.map((edge) => ({ key: edge.edge_id, value: edge })),
  );
});

test('consume reads committed records only and stops when idle', { timeout: 60_000 }, async () => {
  const topic = uniqueName('weir-cli-txn');
  await createTopic(services.admin, topic, 1);
  const producer = services.kafka.producer({ transactionalId: uniqueName('weir-cli-txn'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: '{"state":"aborted"}' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ key: 'k', value: '{"state":"committed"}', headers: { origin: 'test' } }] });
    await committed.commit();
  } finally {
    await producer.disconnect();
  }

  const started = Date.now();
  const result = await weir(['consume', topic, '--from-beginning', '--timeout-ms', '3000']);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; value: unknown; headers: object });
  assert.deepEqual(
    lines.map(({ key, value, headers }) => ({ key, value, headers })),
    [{ key: 'k', value: { state: 'committed' }, headers: { origin: 'test' } }],
  );
  assert.ok(Date.now() - started < 45_000, 'stopped after the idle timeout');
});
