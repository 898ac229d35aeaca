import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readChangelogTail } from '../../connectors/changelog-reader.js';
import { writeInterleavedAborts } from '../support/interleaved-aborts.js';
import { readCommittedReference } from '../support/reference-reader.js';
import { runWeir } from '../support/weir-cli.js';
import { WorkerProcess } from '../support/worker-process.js';
import { brokers, createTopic, readAll, redisUrl, servicesForFile, uniqueName, waitForTopic } from './support/services.js';

/**
 * read_committed when aborted transactions are listed out of first-offset order. The broker lists a partition's
 * aborted transactions in the order of their abort markers; a reader must treat every listed transaction whose first
 * offset is at or below a record's offset as aborted. Three producers write interleaved records (A, B, C, then A
 * again), abort B, C, then A, and a fourth commits three records: every reader Weir uses must return those three only.
 */

const services = servicesForFile();
const countTopology = fileURLToPath(new URL('../fixtures/topologies/count.yaml', import.meta.url));
const committed = ['d0', 'd1', 'd2']; // the keys writeInterleavedAborts commits

async function interleavedTopic(): Promise<string> {
  const topic = uniqueName('interleaved');
  await createTopic(services.admin, topic, 1);
  assert.deepEqual(await writeInterleavedAborts(services.kafka, topic), committed);
  return topic;
}

test('the reference Java consumer sees only the committed records (the broker side is right)', { timeout: 120_000 }, async () => {
  const topic = await interleavedTopic();
  const records = await readCommittedReference(brokers, topic);
  assert.deepEqual(records.map((record) => record.key), committed);
});

test("Weir's Kafka client: a read_committed consumer returns only the committed records", { timeout: 120_000 }, async () => {
  const topic = await interleavedTopic();
  const records = await readAll(services.kafka, topic, { expected: committed.length, timeoutMs: 20_000, settleMs: 2_000 });
  assert.deepEqual(records.map((record) => record.key), committed);
});

test('the changelog reader restores only committed values', { timeout: 120_000 }, async () => {
  const topic = await interleavedTopic();
  const tail = await readChangelogTail(services.kafka, services.admin, topic, 0, 0n);
  assert.deepEqual([...tail.values.keys()].sort(), committed);
});

test('weir consume prints only the committed records', { timeout: 120_000 }, async () => {
  const topic = await interleavedTopic();
  const result = await runWeir(['consume', topic, '--from-beginning', '--timeout-ms', '3000'], { env: { KAFKA_BROKERS: brokers.join(',') } });
  assert.equal(result.code, 0, result.stderr);
  const keys = result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { key: string }).key);
  assert.deepEqual(keys, committed);
});

test("a worker's source processes only the committed records of a transactional input", { timeout: 120_000 }, async () => {
  const topic = await interleavedTopic();
  const name = uniqueName('rc-source');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: topic, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, REDIS_URL: redisUrl };
  const worker = new WorkerProcess(countTopology, env);
  worker.start();
  try {
    await waitForTopic(services.admin, env.OUTPUT_TOPIC);
    const outputs = await readAll(services.kafka, env.OUTPUT_TOPIC, { expected: committed.length, timeoutMs: 60_000, settleMs: 3_000 });
    assert.deepEqual(outputs.map((record) => (JSON.parse(record.value as string) as { key: string }).key).sort(), committed);
    const reference = await readCommittedReference(brokers, env.OUTPUT_TOPIC);
    assert.equal(reference.length, committed.length);
  } finally {
    await worker.kill('SIGTERM');
  }
});
