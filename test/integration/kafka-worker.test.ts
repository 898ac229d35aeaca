import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KafkaWorker } from '../../engine/kafka-worker.js';
import { silentLogger } from '../../contracts/logger.js';
import { EngineMetrics } from '../../engine/metrics.js';
import { loadTopology, type Topology } from '../../engine/topology-loader.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { countsInRedis, createTopic, readAll, redisUrl, servicesForFile, uniqueName } from './support/services.js';

const countTopology = fileURLToPath(new URL('../fixtures/topologies/count.yaml', import.meta.url));

const services = servicesForFile();

async function topologyFor(guarantee: string): Promise<Topology> {
  const name = uniqueName('worker');
  return loadTopology(countTopology, {
    env: { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, GUARANTEE: guarantee, REDIS_URL: redisUrl },
  });
}

for (const guarantee of ['exactly-once', 'at-least-once']) test(`${guarantee} without failures: every record once in the output, rejects dead-lettered, state in Redis matches`, { timeout: 120_000 }, async () => {
  const topology = await topologyFor(guarantee);
  await createTopic(services.admin, topology.source.kafka.topic, 3);
  const producer = services.kafka.producer();
  await producer.connect();
  const total = 3_000;
  const messages = Array.from({ length: total }, (_, seq) => ({ key: `k${seq % 11}`, value: seq % 500 === 7 ? '{broken' : JSON.stringify({ key: `k${seq % 11}`, seq }) }));
  await producer.send({ topic: topology.source.kafka.topic, messages });
  await producer.disconnect();

  const store = new RedisStateStore({ url: redisUrl });
  const worker = new KafkaWorker({ topology, store, metrics: new EngineMetrics(), logger: silentLogger });
  await worker.start();
  try {
    const rejectedCount = messages.filter((message) => message.value === '{broken').length;
    const outputs = await readAll(services.kafka, topology.outputs.default?.kafka.topic as string, { expected: total - rejectedCount, timeoutMs: 60_000 });
    const seqs = outputs.map((record) => (JSON.parse(record.value as string) as { seq: number }).seq).sort((a, b) => a - b);
    assert.equal(seqs.length, total - rejectedCount);
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');

    const rejected = await readAll(services.kafka, topology.outputs.rejected?.kafka.topic as string, { expected: rejectedCount, timeoutMs: 20_000 });
    assert.equal(rejected.length, rejectedCount);
    for (const record of rejected) {
      assert.equal(record.value, '{broken');
      assert.equal(record.headers['weir.reason'], 'undecodable');
      assert.equal(record.headers['weir.origin.topic'], topology.source.kafka.topic);
    }

    // Per key, the final count in Redis equals the number of valid records with that key (keys map to one partition each).
    const expected = new Map<string, number>();
    for (const message of messages) if (message.value !== '{broken') expected.set(message.key, (expected.get(message.key) ?? 0) + 1);
    const actual = await countsInRedis(topology.name, 3, 'count-by-key');
    assert.deepEqual(actual, expected);
  } finally {
    await worker.stop();
    await store.close();
  }
});

test('transactional input: control records are stepped over, nothing is re-delivered (KafkaJS issue 1665)', { timeout: 120_000 }, async () => {
  const topology = await topologyFor('exactly-once');
  const input = topology.source.kafka.topic;
  await createTopic(services.admin, input, 2);
  const producer = services.kafka.producer({ transactionalId: `${topology.name}.upstream`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const total = 1_000;
  for (let start = 0; start < total; start += 100) {
    const transaction = await producer.transaction();
    await transaction.send({ topic: input, messages: Array.from({ length: 100 }, (_, index) => ({ key: `k${(start + index) % 7}`, value: JSON.stringify({ key: `k${(start + index) % 7}`, seq: start + index }) })) });
    await transaction.commit();
  }
  await producer.disconnect();

  const store = new RedisStateStore({ url: redisUrl });
  const worker = new KafkaWorker({ topology, store, metrics: new EngineMetrics(), logger: silentLogger });
  await worker.start();
  try {
    const output = topology.outputs.default?.kafka.topic as string;
    // Read, then keep the worker running a while longer: an unresolved control record would show as re-delivered batches.
    await readAll(services.kafka, output, { expected: total, timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const outputs = await readAll(services.kafka, output, { expected: total, timeoutMs: 30_000, settleMs: 1_000 });
    assert.equal(outputs.length, total);
    const [committed] = await services.admin.fetchOffsets({ groupId: `weir.${topology.name}`, topics: [input] });
    const ends = await services.admin.fetchTopicOffsets(input);
    for (const end of ends) {
      const offset = Number(committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? -1);
      // The committed offset may stop just before the final commit marker, never earlier.
      assert.ok(offset >= Number(end.high) - 1, `partition ${end.partition}: committed ${offset}, end ${end.high}`);
    }
  } finally {
    await worker.stop();
    await store.close();
  }
});
