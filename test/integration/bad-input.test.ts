import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeWireFormat, schemaId } from '../../schemas/avro.js';
import { readCommittedReference } from '../support/reference-reader.js';
import { WorkerProcess } from '../support/worker-process.js';
import { brokers, createTopic, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * Bad input end to end through a real worker: each kind of bad record is produced to Kafka between good ones, a worker
 * runs, and the dead-letter topic holds each bad record's original bytes with its reason, the good records come out
 * once, and the worker stays healthy.
 */

const services = servicesForFile();
const quickstart = fileURLToPath(new URL('../../topologies/quickstart.yaml', import.meta.url));
const validateAvro = fileURLToPath(new URL('../fixtures/topologies/validate-avro.yaml', import.meta.url));

const edge = (seq: number, extra: Record<string, unknown> = {}) => ({ edge_id: `e${seq}`, tenant: 'acme', node_ids: ['n1', `n${seq + 2}`], weight: 1, event_time: 1_700_000_000_000 + seq, ...extra });

interface BadRecord {
  readonly name: string;
  readonly value: Buffer | null;
  readonly reason: string;
}

async function runCase(topologyFile: string, good: Buffer[], bad: BadRecord[], check: (goodOutputs: { value: string | null }[]) => void): Promise<void> {
  const name = uniqueName('bad-input');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, REDIS_URL: redisUrl, KAFKA_BROKERS: brokers.join(',') };
  await createTopic(services.admin, env.INPUT_TOPIC, 1);
  // Good records around every bad one, in one partition: the order is known.
  const messages: { value: Buffer | null }[] = [];
  for (const [index, record] of bad.entries()) messages.push({ value: good[index * 2] as Buffer }, { value: record.value }, { value: good[index * 2 + 1] as Buffer });
  const producer = services.kafka.producer();
  await producer.connect();
  for (const message of messages) await producer.send({ topic: env.INPUT_TOPIC, acks: -1, messages: [message] });
  await producer.disconnect();

  const worker = new WorkerProcess(topologyFile, env);
  worker.start();
  try {
    const group = `weir.${name}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [committed] = await services.admin.fetchOffsets({ groupId: group, topics: [env.INPUT_TOPIC] });
      if (Number(committed?.partitions[0]?.offset ?? -1) >= messages.length) break;
      if (Date.now() > deadline) throw new Error(`the worker did not commit ${messages.length} records within 60 s:\n${worker.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const dlq = await readCommittedReference(brokers, env.REJECTED_TOPIC);
    assert.equal(dlq.length, bad.length, 'one dead letter per bad record');
    const letters = new Map((await rejectedReasons(env.REJECTED_TOPIC)).map((letter) => [letter.offset, letter]));
    for (const [index, record] of bad.entries()) {
      // Each bad record sits at offset 3·index + 1, between two good ones.
      const letter = letters.get(String(index * 3 + 1));
      assert.equal(letter?.reason, record.reason, `${record.name}: reason`);
      assert.ok(record.value === null ? letter?.value === null : letter?.value?.equals(record.value), `${record.name}: original bytes`);
    }
    check(await readCommittedReference(brokers, env.OUTPUT_TOPIC));
    assert.equal((await worker.get('/health')).status, 200, 'the worker is healthy');
    assert.deepEqual(worker.unexpectedExits, []);
  } finally {
    await worker.kill('SIGTERM');
  }
}

/** The dead letters with their reason and origin offset headers, values as bytes. */
async function rejectedReasons(topic: string): Promise<{ reason: string; offset: string; value: Buffer | null }[]> {
  const consumer = services.kafka.consumer({ groupId: uniqueName('dlq-reader'), readUncommitted: false });
  const letters: { reason: string; offset: string; value: Buffer | null }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      letters.push({ reason: message.headers?.['weir.reason']?.toString() ?? '', offset: message.headers?.['weir.origin.offset']?.toString() ?? '', value: message.value });
    },
  });
  const ends = await services.admin.fetchTopicOffsets(topic);
  const total = ends.reduce((sum, end) => sum + Number(end.high), 0);
  const deadline = Date.now() + 30_000;
  // Offsets include the transaction markers: wait for the records, not for the end offset.
  while (letters.length < total / 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await consumer.disconnect();
  return letters;
}

test('JSON input: not JSON, a tombstone, no event time, a schema violation, a record at the size limit', { timeout: 180_000 }, async () => {
  const good = Array.from({ length: 10 }, (_, seq) => Buffer.from(JSON.stringify(edge(seq))));
  // As large as the broker takes (max.message.bytes 1048588 less the batch and record overheads), and invalid.
  const atLimit = Buffer.from(JSON.stringify({ ...edge(99), weight: 'x'.repeat(1_048_588 - 61 - 200) }));
  const bad: BadRecord[] = [
    { name: 'not JSON', value: Buffer.from('{"edge_id": '), reason: 'undecodable' },
    { name: 'tombstone', value: null, reason: 'undecodable' },
    { name: 'no event time', value: Buffer.from(JSON.stringify({ ...edge(50), event_time: undefined })), reason: 'event-time' },
    { name: 'schema violation', value: Buffer.from(JSON.stringify(edge(51, { node_ids: ['n1'] }))), reason: 'constraint' },
    { name: 'record at the size limit', value: atLimit, reason: 'wrong-type' },
  ];
  await runCase(quickstart, good, bad, (outputs) => {
    assert.deepEqual(outputs.map((record) => (JSON.parse(record.value as string) as { edge_id: string }).edge_id), good.map((value) => (JSON.parse(value.toString()) as { edge_id: string }).edge_id));
  });
});

test('Avro wire format: malformed bytes, an unknown schema id, a schema violation', { timeout: 180_000 }, async () => {
  const good = Array.from({ length: 6 }, (_, seq) => encodeWireFormat('EdgeEvent', edge(seq)));
  const valid = encodeWireFormat('EdgeEvent', edge(60));
  const unknownId = Buffer.from(valid);
  unknownId.writeInt32BE(987_654, 1);
  const bad: BadRecord[] = [
    { name: 'malformed (truncated Avro body)', value: valid.subarray(0, valid.length - 7), reason: 'bad-wire-format' },
    { name: 'unknown schema id', value: unknownId, reason: 'schema-id-mismatch' },
    { name: 'schema violation', value: encodeWireFormat('EdgeEvent', edge(61, { node_ids: ['n1'] })), reason: 'constraint' },
  ];
  assert.notEqual(schemaId('EdgeEvent'), 987_654);
  await runCase(validateAvro, good, bad, (outputs) => assert.equal(outputs.length, good.length));
});
