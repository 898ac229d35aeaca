import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaWorker } from '../../engine/kafka-worker.js';
import { silentLogger } from '../../contracts/logger.js';
import { EngineMetrics } from '../../engine/metrics.js';
import { loadTopology, type Topology } from '../../engine/topology-loader.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { countTopology } from '../support/count-run.js';
import { readCommittedReference } from '../support/reference-reader.js';
import { brokers, createTopic, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * An output the broker cannot take — larger than its topic's max.message.bytes, or refused (a record without a key
 * for a compacted topic) — is isolated like an operator failure: the rest of the batch commits once, the record goes
 * to `rejected` with the reason and its original bytes, and a metric counts it. On the real broker, both guarantees.
 */

const services = servicesForFile();

async function setUp(guarantee: string, outputConfig: { name: string; value: string }[]): Promise<Topology> {
  const name = uniqueName('poison');
  const topology = await loadTopology(countTopology, { env: { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, GUARANTEE: guarantee, REDIS_URL: redisUrl } });
  await createTopic(services.admin, topology.source.kafka.topic, 2);
  await services.admin.createTopics({ waitForLeaders: true, topics: [{ topic: topology.outputs.default?.kafka.topic as string, numPartitions: 2, configEntries: outputConfig }] });
  return topology;
}

async function runUntil(topology: Topology, expectedOutputs: number, expectedRejects: number): Promise<{ outputs: { key: string | null; value: string | null }[]; rejects: Awaited<ReturnType<typeof readCommittedReference>>; metrics: EngineMetrics }> {
  const store = new RedisStateStore({ url: redisUrl });
  const metrics = new EngineMetrics();
  const worker = new KafkaWorker({ topology, store, metrics, logger: silentLogger });
  await worker.start();
  try {
    const input = topology.source.kafka.topic;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [committed] = await services.admin.fetchOffsets({ groupId: `weir.${topology.name}`, topics: [input] });
      const ends = await services.admin.fetchTopicOffsets(input);
      const done = ends.every((end) => Math.max(0, Number(committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? 0)) >= Number(end.high));
      if (done) break;
      if (Date.now() > deadline) throw new Error(`the worker did not commit its whole input within 60 s: committed ${JSON.stringify(committed?.partitions)}, ends ${JSON.stringify(ends)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const outputs = await readCommittedReference(brokers, topology.outputs.default?.kafka.topic as string);
    const rejects = await readCommittedReference(brokers, topology.outputs.rejected?.kafka.topic as string);
    assert.equal(outputs.length, expectedOutputs, 'outputs');
    assert.equal(rejects.length, expectedRejects, 'dead letters');
    return { outputs, rejects, metrics };
  } finally {
    await worker.stop();
    await store.close();
  }
}

async function rejectCount(metrics: EngineMetrics, reason: string): Promise<number> {
  return (await metrics.rejects.get()).values.filter((sample) => sample.labels.reason === reason).reduce((sum, sample) => sum + sample.value, 0);
}

for (const guarantee of ['exactly-once', 'at-least-once']) {
  test(`${guarantee}: an output larger than its topic takes is dead-lettered with its original bytes; the batch commits`, { timeout: 120_000 }, async () => {
    const topology = await setUp(guarantee, [{ name: 'max.message.bytes', value: '2000' }]);
    const huge = new Set([17, 250, 777]);
    const values = Array.from({ length: 1_000 }, (_, seq) => JSON.stringify({ key: huge.has(seq) ? 'x'.repeat(3_000) : `k${seq % 7}`, seq }));
    const producer = services.kafka.producer();
    await producer.connect();
    await producer.send({ topic: topology.source.kafka.topic, messages: values.map((value, seq) => ({ key: `p${seq % 2}`, value })) });
    await producer.disconnect();

    const { outputs, rejects, metrics } = await runUntil(topology, 1_000 - huge.size, huge.size);
    assert.deepEqual(new Set(outputs.map((record) => (JSON.parse(record.value as string) as { seq: number }).seq)).size, 1_000 - huge.size, 'every other record once');
    for (const reject of rejects) {
      const seq = (JSON.parse(reject.value as string) as { seq: number }).seq;
      assert.ok(huge.has(seq), `dead letter ${seq} is one of the huge records`);
      assert.equal(reject.value, values[seq], 'the original bytes');
    }
    assert.equal(await rejectCount(metrics, 'output-too-large'), huge.size);
  });
}

test('exactly-once: a record the broker refuses (no key, compacted topic) is found and dead-lettered; the rest commits once', { timeout: 120_000 }, async () => {
  const topology = await setUp('exactly-once', [{ name: 'cleanup.policy', value: 'compact' }]);
  const unkeyed = new Set([3, 333]);
  const producer = services.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topology.source.kafka.topic,
    messages: Array.from({ length: 600 }, (_, seq) => ({ key: unkeyed.has(seq) ? null : `p${seq % 5}`, value: JSON.stringify({ key: `k${seq % 7}`, seq }), partition: 0 })),
  });
  await producer.disconnect();

  const { rejects, metrics } = await runUntil(topology, 600 - unkeyed.size, unkeyed.size);
  assert.deepEqual(rejects.map((reject) => (JSON.parse(reject.value as string) as { seq: number }).seq).sort((a, b) => a - b), [...unkeyed]);
  assert.equal(await rejectCount(metrics, 'output-refused'), unkeyed.size);
});
