import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import { readCommittedReference } from '../support/reference-reader.js';
import { WorkerProcess } from '../support/worker-process.js';
import { brokers, createTopic, readAll, redisUrl, servicesForFile, uniqueName } from '../integration/support/services.js';
import { seededRandom, sleep } from './harness.js';

/**
 * Exactly-once through a key-by and event-time windows under kill -9: events of ten tenants spread over four input
 * partitions are re-keyed by tenant and counted in 10 s tumbling windows by two workers, one of which is killed at
 * random moments and restarted. Every window of every tenant must come out exactly once, closed, with the count a
 * reference computes from the input — read by Weir's reader and by Kafka's Java consumer.
 */

const topologyFile = fileURLToPath(new URL('../fixtures/topologies/keyby-windows.yaml', import.meta.url));
const records = Number(process.env.WEIR_WINDOWED_CHAOS_RECORDS ?? 40_000);
const kills = Number(process.env.WEIR_WINDOWED_CHAOS_KILLS ?? 6);
const partitions = 4;
const tenants = 10;
const windowMs = 10_000;
/** Event time advances this much per record: 40 000 records span about 400 windows of 10 s. */
const stepMs = 100;

const services = servicesForFile();

interface WindowResult {
  key: string;
  start: number;
  end: number;
  count: number;
  revision: number;
  closed: boolean;
}

test('a keyed, windowed count survives kill -9 of workers: every window once, counts exact', { timeout: 900_000 }, async (t) => {
  const seed = Number(process.env.WEIR_CHAOS_SEED ?? Date.now() % 1_000_000);
  const random = seededRandom(seed);
  const name = uniqueName('windowed');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, LATE_TOPIC: `${name}.late`, REDIS_URL: redisUrl };
  await createTopic(services.admin, env.INPUT_TOPIC, partitions);
  t.diagnostic(`seed ${seed}, ${records} records, ${kills} kills`);

  // Each partition's event times increase, so no record is late; the reference counts per (tenant, window).
  const reference = new Map<string, number>();
  const events = Array.from({ length: records }, (_, seq) => {
    const tenant = `t${Math.floor(random() * tenants)}`;
    const time = 1_700_000_000_000 + seq * stepMs;
    const key = `${tenant}/${Math.floor(time / windowMs) * windowMs}`;
    reference.set(key, (reference.get(key) ?? 0) + 1);
    return { tenant, time, seq, partition: seq % partitions };
  });
  // A last event per partition, far later, moves every watermark past the last real window.
  const lastTime = 1_700_000_000_000 + records * stepMs + 10 * windowMs;
  const flush = Array.from({ length: partitions }, (_, partition) => ({ tenant: 'flush', time: lastTime, seq: -1, partition }));

  const workers = [new WorkerProcess(topologyFile, env, 'a'), new WorkerProcess(topologyFile, env, 'b')];
  for (const worker of workers) worker.start();
  const producer: Producer = services.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const produce = (async () => {
    for (let start = 0; start < events.length; start += 1_000) {
      await producer.send({ topic: env.INPUT_TOPIC, acks: -1, messages: events.slice(start, start + 1_000).map((event) => ({ value: JSON.stringify(event), partition: event.partition })) });
      await sleep(150);
    }
    await producer.send({ topic: env.INPUT_TOPIC, acks: -1, messages: flush.map((event) => ({ value: JSON.stringify(event), partition: event.partition })) });
  })();
  try {
    for (let kill = 0; kill < kills; kill++) {
      const victim = workers[Math.floor(random() * workers.length)] as WorkerProcess;
      const before = await victim.metric('weir_transaction_commits_total');
      const deadline = Date.now() + 90_000;
      while ((await victim.metric('weir_transaction_commits_total').catch(() => before)) <= before) {
        if (Date.now() > deadline) throw new Error(`kill ${kill + 1}: the worker committed nothing new within 90 s`);
        await sleep(100);
      }
      await sleep(random() * 300);
      await victim.kill('SIGKILL');
      await sleep(random() * 1_000);
      victim.start();
    }
    await produce;
    const expected = reference.size;
    const ours = await readAll(services.kafka, env.OUTPUT_TOPIC, { expected, timeoutMs: 300_000, settleMs: 3_000 });
    const theirs = await readCommittedReference(brokers, env.OUTPUT_TOPIC);
    assert.equal(ours.length, theirs.length, 'both readers agree');
    const results = ours.map((record) => JSON.parse(record.value as string) as WindowResult);
    const seen = new Map<string, WindowResult[]>();
    for (const result of results) {
      const key = `${result.key}/${result.start}`;
      seen.set(key, [...(seen.get(key) ?? []), result]);
    }
    const missing = [...reference.keys()].filter((key) => !seen.has(key));
    const duplicated = [...seen].filter(([, list]) => list.length > 1).map(([key]) => key);
    const wrong = [...seen].filter(([key, list]) => list[0]?.count !== reference.get(key) || list[0]?.closed !== true).map(([key, list]) => `${key}: ${list[0]?.count} for ${reference.get(key)}`);
    t.diagnostic(`windows ${results.length}/${expected}; missing ${missing.length}; duplicated ${duplicated.length}; wrong counts ${wrong.length}`);
    assert.deepEqual(missing.slice(0, 5), []);
    assert.deepEqual(duplicated.slice(0, 5), []);
    assert.deepEqual(wrong.slice(0, 5), []);
    assert.deepEqual(await readCommittedReference(brokers, env.LATE_TOPIC).catch(() => []), [], 'nothing late');
    assert.deepEqual(workers.flatMap((worker) => worker.unexpectedExits), [], 'no worker exited on its own');
  } catch (error) {
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index} log tail:\n${worker.tail(15)}`);
    throw error;
  } finally {
    await producer.disconnect();
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
  }
});
