import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Consumer } from 'kafkajs';
import { countsInRedis, createTopic, redisUrl, servicesForFile, uniqueName } from '../integration/support/services.js';
import { countInputs, partitionOfKey, producePaced, sleep } from './harness.js';
import { WorkerProcess } from '../support/worker-process.js';
import { verifyCounts, type CountOutput } from './verifier.js';

/**
 * Scale-out and back during a run: 1 → 3 → 1 workers (new members join; then two leave with SIGTERM).
 * No record may be lost or duplicated; the longest pause of each partition after each change is reported.
 */

const countTopology = fileURLToPath(new URL('../fixtures/topologies/count.yaml', import.meta.url));
const partitions = 4;
const records = 40_000;
const keys = 97;

const services = servicesForFile();

/** Per input partition, the longest gap between output arrivals within `windowMs` after `from`. */
function longestPauses(arrivals: ReadonlyMap<number, number[]>, from: number, windowMs: number): number[] {
  return Array.from({ length: partitions }, (_, partition) => {
    const times = (arrivals.get(partition) ?? []).filter((time) => time >= from - 5_000 && time <= from + windowMs);
    let longest = 0;
    let previous = times.filter((time) => time < from).at(-1) ?? from;
    for (const time of times.filter((candidate) => candidate >= from)) {
      longest = Math.max(longest, time - previous);
      previous = time;
    }
    return longest;
  });
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(100);
  }
}

test('1 → 3 → 1 workers during a run: no loss, no duplicates', { timeout: 600_000 }, async (t) => {
  const name = uniqueName('rebalance');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, GUARANTEE: 'exactly-once', REDIS_URL: redisUrl };
  await createTopic(services.admin, env.INPUT_TOPIC, partitions);
  await createTopic(services.admin, env.OUTPUT_TOPIC, partitions);

  const outputs: CountOutput[] = [];
  const arrivals = new Map<number, number[]>();
  const reader: Consumer = services.kafka.consumer({ groupId: uniqueName('rebalance-reader'), readUncommitted: false });
  await reader.connect();
  await reader.subscribe({ topics: [env.OUTPUT_TOPIC], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const output = JSON.parse(message.value?.toString() ?? 'null') as CountOutput;
      outputs.push(output);
      const partition = partitionOfKey(output.key, partitions);
      let list = arrivals.get(partition);
      if (list === undefined) arrivals.set(partition, (list = []));
      list.push(Date.now());
    },
  });

  const workers = [new WorkerProcess(countTopology, env), new WorkerProcess(countTopology, env), new WorkerProcess(countTopology, env)];
  const [first, ...extra] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
  const inputs = countInputs(records, keys);
  try {
    first.start();
    const producing = producePaced(services.kafka, env.INPUT_TOPIC, inputs, records / 45, partitions);
    await waitUntil(async () => (await first.metric('weir_end_to_end_latency_seconds_count')) > 2_000, 60_000, 'the first worker committed 2,000 records');
    const scaledOut = Date.now();
    for (const worker of extra) worker.start();
    // Scaled out once every new worker has committed records of its own partitions.
    for (const worker of extra) await waitUntil(async () => (await worker.metric('weir_end_to_end_latency_seconds_count')) > 0, 60_000, 'a new worker committed records');
    await sleep(3_000);
    const scaledIn = Date.now();
    const drains = await Promise.all(extra.map((worker) => worker.kill('SIGTERM')));
    await producing;
    await waitUntil(async () => outputs.length >= records, 180_000, `all ${records} outputs arrived (${outputs.length} so far)`);
    // Settle: duplicates, if any, would arrive after the last expected output.
    await sleep(3_000);

    const state = await countsInRedis(name, partitions, 'count-by-key');
    const result = verifyCounts(inputs, outputs, state);
    const out = longestPauses(arrivals, scaledOut, 15_000);
    const back = longestPauses(arrivals, scaledIn, 20_000);
    t.diagnostic(`longest pause per partition after 1→3: ${out.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`);
    t.diagnostic(`longest pause per partition after 3→1: ${back.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}`);
    t.diagnostic(`received ${result.received}/${result.expected}; missing ${result.missing.length}; duplicated ${result.duplicated.length}; wrong counts ${result.wrongCounts}`);
    t.diagnostic(`SIGTERM drains: ${drains.map((drain) => `exit ${drain.code} after ${(drain.ms / 1000).toFixed(1)} s`).join(', ')}`);
    for (const drain of drains) {
      assert.equal(drain.code, 0, 'a drained worker exits 0');
      assert.ok(drain.ms < 30_000, `drain took ${drain.ms} ms`);
    }
    assert.deepEqual(workers.flatMap((worker) => worker.unexpectedExits), [], 'no worker exited on its own');
    assert.deepEqual(result.missing.slice(0, 10), []);
    assert.deepEqual(result.duplicated.slice(0, 10), []);
    assert.equal(result.ok, true);
  } catch (error) {
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index} log tail:\n${worker.tail(15)}`);
    throw error;
  } finally {
    await reader.disconnect();
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
  }
});
