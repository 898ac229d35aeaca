import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { operatorStateKey } from '../../state/redis-keys.js';
import { committedRecords, countsInRedis, createTopic, readAll, redisUrl, servicesForFile, uniqueName } from '../integration/support/services.js';
import { countInputs, producePaced, seededRandom, sleep } from './harness.js';
import { WorkerProcess } from '../support/worker-process.js';
import { verifyCounts, type CountOutput } from './verifier.js';

/**
 * Exactly-once under kill -9, after Kafka Streams' StreamsEosTest: two workers over a 4-partition input,
 * a random worker killed at random moments and restarted, then every output checked exactly once and the
 * Redis state checked against a reference. The same scenario at-least-once must lose nothing, and reports
 * the duplicates it made.
 */

const countTopology = fileURLToPath(new URL('../fixtures/topologies/count.yaml', import.meta.url));
const records = Number(process.env.WEIR_CHAOS_RECORDS ?? 200_000);
const kills = Number(process.env.WEIR_CHAOS_KILLS ?? 10);
const partitions = 4;

const services = servicesForFile();

/**
 * Waits until the group has committed `step` more input records, so the next kill lands while batches are
 * in flight. Once the whole input is committed there is nothing left in flight: it returns at once.
 */
async function progressSince(group: string, topic: string, step: number): Promise<void> {
  const start = await committedRecords(services.admin, group, topic);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const committed = await committedRecords(services.admin, group, topic);
    if (committed >= start + step || committed >= records) return;
    await sleep(25);
  }
}

async function chaosRun(t: TestContext, guarantee: 'exactly-once' | 'at-least-once', seed: number): Promise<{ outputs: CountOutput[]; state: Map<string, number>; killsDone: number }> {
  const name = uniqueName('chaos');
  const env = { INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, GUARANTEE: guarantee, REDIS_URL: redisUrl, TOPOLOGY_NAME: name };
  await createTopic(services.admin, env.INPUT_TOPIC, partitions);
  const random = seededRandom(seed);
  t.diagnostic(`seed ${seed}, ${records} records, ${kills} kills, ${guarantee}`);
  const workers = [new WorkerProcess(countTopology, env), new WorkerProcess(countTopology, env)];
  for (const worker of workers) worker.start();
  const inputs = countInputs(records, 97);
  const producing = producePaced(services.kafka, env.INPUT_TOPIC, inputs, 10_000, partitions);
  let killsDone = 0;
  try {
    for (; killsDone < kills; killsDone++) {
      // Kill while batches are in flight: after the group has made progress again since the last restart.
      await progressSince(`weir.${name}`, env.INPUT_TOPIC, 500 + random() * 2_000);
      await sleep(random() * 100);
      const victim = workers[Math.floor(random() * workers.length)] as WorkerProcess;
      await victim.kill('SIGKILL');
      await sleep(random() * 1_000);
      victim.start();
    }
    await producing;
    const outputs = await readAll(services.kafka, env.OUTPUT_TOPIC, { expected: records, timeoutMs: 300_000, settleMs: 3_000 });
    const state = await countsInRedis(services.redis, name, partitions, 'count-by-key');
    const crashes = workers.flatMap((worker) => worker.unexpectedExits);
    assert.deepEqual(crashes, [], 'no worker exited on its own');
    return { outputs: outputs.map((record) => JSON.parse(record.value as string) as CountOutput), state, killsDone };
  } catch (error) {
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index} log tail:\n${worker.tail(20)}`);
    throw error;
  } finally {
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
    await services.redis.del(...Array.from({ length: partitions }, (_, partition) => operatorStateKey({ topology: name, partition }, 'count-by-key')));
  }
}

test('exactly-once survives repeated kill -9 of workers: every record once, state exact', { timeout: 900_000 }, async (t) => {
  const seed = Number(process.env.WEIR_CHAOS_SEED ?? Date.now() % 1_000_000);
  const { outputs, state, killsDone } = await chaosRun(t, 'exactly-once', seed);
  const result = verifyCounts(countInputs(records, 97), outputs, state);
  t.diagnostic(`kills ${killsDone}; received ${result.received}/${result.expected}; missing ${result.missing.length}; duplicated ${result.duplicated.length}; wrong counts ${result.wrongCounts}; state mismatches ${result.stateMismatches.length}`);
  assert.equal(killsDone, kills);
  assert.deepEqual(result.missing.slice(0, 10), []);
  assert.deepEqual(result.duplicated.slice(0, 10), []);
  assert.equal(result.wrongCounts, 0);
  assert.deepEqual(result.stateMismatches.slice(0, 10), []);
  assert.equal(result.ok, true);
});

test('at-least-once under the same kills loses nothing (duplicates reported)', { timeout: 900_000 }, async (t) => {
  const seed = Number(process.env.WEIR_CHAOS_SEED ?? Date.now() % 1_000_000);
  const { outputs, killsDone } = await chaosRun(t, 'at-least-once', seed);
  const result = verifyCounts(countInputs(records, 97), outputs, new Map());
  t.diagnostic(`at-least-once: kills ${killsDone}; received ${result.received} for ${result.expected} inputs; duplicated records ${result.duplicated.length}; extra outputs ${result.received - result.expected}`);
  assert.deepEqual(result.missing.slice(0, 10), []);
});
