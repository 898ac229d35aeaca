import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readChangelogTail } from '../../connectors/changelog-reader.js';
import { bitsetKey } from '../../state/redis-keys.js';
import { recoverPartition } from '../../state/recovery.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { bloomItems, bloomReference } from '../support/bloom-reference.js';
import { WorkerProcess } from '../support/worker-process.js';
import { committedRecords, createTopic, deletePartitionKeys, readAll, redisUrl, servicesForFile, uniqueName, waitForTopic } from './support/services.js';

/**
 * A Bloom filter of 10^8 bits as a state bitset, through one worker on Kafka and Redis (the bloom-add fixture):
 * 20,000 items, 30 % of them repeats. The filter in Redis (a 12.5 MB string) must be bit for bit the reference
 * computed here from the items, every `seen` flag must match, and the changelog alone must rebuild the same bits.
 */

const services = servicesForFile();
const bloomTopology = fileURLToPath(new URL('../fixtures/topologies/bloom.yaml', import.meta.url));
const bits = 100_000_000;
const hashes = 7;

test('a Bloom filter of 10^8 bits in Redis equals the reference, bit for bit, and so does its rebuild from the changelog', { timeout: 300_000 }, async () => {
  const name = uniqueName('bloom');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, BLOOM_BITS: String(bits), REDIS_URL: redisUrl };
  const scope = { topology: name, partition: 0 };
  const rebuilt = { topology: `${name}-rebuilt`, partition: 0 };
  const items = bloomItems(20_000, 0.3, 20_240_601);
  const reference = bloomReference(items, bits, hashes);
  const worker = new WorkerProcess(bloomTopology, env);
  const store = new RedisStateStore({ url: redisUrl });
  await createTopic(services.admin, env.INPUT_TOPIC, 1);
  try {
    const producer = services.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let start = 0; start < items.length; start += 2_000) {
      await producer.send({ topic: env.INPUT_TOPIC, acks: -1, messages: items.slice(start, start + 2_000).map((item) => ({ value: JSON.stringify({ item }), partition: 0 })) });
    }
    await producer.disconnect();

    worker.start();
    await waitForTopic(services.admin, env.OUTPUT_TOPIC);
    const outputs = await readAll(services.kafka, env.OUTPUT_TOPIC, { expected: items.length, timeoutMs: 180_000, settleMs: 1_000 });
    assert.equal(await committedRecords(services.admin, `weir.${name}`, env.INPUT_TOPIC), items.length);
    const results = outputs.sort((a, b) => Number(a.offset) - Number(b.offset)).map((record) => JSON.parse(record.value as string) as { item: string; seen: boolean });
    assert.deepEqual(results.map((result) => result.item), items, 'one output per item, in input order');
    const mismatched = results.filter((result, index) => result.seen !== reference.seen[index]).length;
    assert.equal(mismatched, 0, `${mismatched} seen flags differ from the reference`);
    assert.equal(reference.seen.filter(Boolean).length, 6_000, 'every repeat is seen, no new item is (no false positive at this fill)');

    const stored = await services.redis.getBuffer(bitsetKey(scope, 'bloom-add', 'bloom'));
    assert.ok(stored !== null);
    assert.equal(stored.length, reference.bits.length, 'the string reaches the highest set bit');
    assert.ok(stored.equals(reference.bits), 'the filter in Redis is the reference, bit for bit');

    const outcome = await recoverPartition({
      store,
      scope: rebuilt,
      statefulSteps: ['bloom-add'],
      committed: { inputOffset: String(items.length) },
      readTail: (step, from) => readChangelogTail(services.kafka, services.admin, `weir.${name}.${step}.changelog`, 0, from),
    });
    assert.equal(outcome.replayed, true);
    const restored = await services.redis.getBuffer(bitsetKey(rebuilt, 'bloom-add', 'bloom'));
    assert.ok(restored !== null && restored.equals(reference.bits), 'the changelog alone rebuilds the same filter');
  } finally {
    await worker.kill('SIGTERM');
    await store.close();
    await deletePartitionKeys(services.redis, scope);
    await deletePartitionKeys(services.redis, rebuilt);
    await services.admin.deleteTopics({ topics: [env.INPUT_TOPIC, env.OUTPUT_TOPIC, env.REJECTED_TOPIC, `weir.${name}.bloom-add.changelog`], timeout: 10_000 }).catch(() => undefined);
  }
});
