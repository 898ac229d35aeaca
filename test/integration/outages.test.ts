import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertExactlyOnce, countRun, type CountRun } from '../support/count-run.js';
import { startService, stopService, type StackService } from '../support/stack.js';
import { readCommittedReference } from '../support/reference-reader.js';
import { brokers, servicesForFile } from './support/services.js';

/**
 * Outages in the middle of a run, at fixed points: Redis stopped for 5 s, then Kafka stopped for 10 s, while two workers
 * process a steady input. The workers retry through both, never exit and never dead-letter good data, and the run ends
 * with every record once and the state exact.
 */

const services = servicesForFile();
const batch = 1_000;

async function produceBatches(run: CountRun, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += batch) {
    await run.produce(Array.from({ length: batch }, (_, index) => ({ key: `k${(start + index) % 53}`, seq: start + index })));
  }
}

async function outage(service: StackService, downMs: number): Promise<number> {
  const started = Date.now();
  await stopService(service);
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await startService(service);
  return Date.now() - started;
}

test('exactly-once rides through a 5 s Redis outage and a 10 s Kafka outage: nothing lost, nothing twice, nothing dead-lettered', { timeout: 600_000 }, async (t) => {
  const run = await countRun(services, { partitions: 4, prefix: 'outage' });
  const workers = [run.worker('a'), run.worker('b')];
  try {
    for (const worker of workers) worker.start();
    await produceBatches(run, 0, 20_000);
    await run.waitForCommitted(5_000, 120_000);
    // Redis goes while batches are in flight: commits in Kafka go on, applies wait and retry.
    const redisDown = outage('redis', 5_000);
    await produceBatches(run, 20_000, 10_000);
    t.diagnostic(`Redis down and up again in ${await redisDown} ms`);
    await run.waitForCommitted(25_000, 180_000);
    // Kafka goes while batches are in flight (the test's own producer waits: its retries could write inputs twice).
    t.diagnostic(`Kafka down and up again in ${await outage('kafka', 10_000)} ms`);
    await produceBatches(run, 30_000, 10_000);
    await run.waitForCommitted(40_000, 300_000);

    assert.deepEqual(workers.flatMap((worker) => worker.unexpectedExits), [], 'no worker exited');
    assertExactlyOnce(await run.verify());
    assert.deepEqual(await readCommittedReference(brokers, run.env.REJECTED_TOPIC as string), [], 'no good record was dead-lettered');
  } catch (error) {
    for (const worker of workers) t.diagnostic(`worker log tail:\n${worker.tail(15)}`);
    throw error;
  } finally {
    await run.close();
  }
});
