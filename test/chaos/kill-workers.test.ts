import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { partitionOfKey, seededRandom, sleep } from './harness.js';
import { countRun, describe, type CountRun } from '../support/count-run.js';
import { restartService } from '../support/stack.js';
import type { WorkerProcess } from '../support/worker-process.js';
import { servicesForFile } from '../integration/support/services.js';
import { referenceCounts, type Verification } from './verifier.js';

/**
 * Exactly-once under kill -9, after Kafka Streams' StreamsEosTest: two workers over a 4-partition input, a random
 * worker killed at random moments and restarted — each kill hitting a worker that has committed records since the
 * previous kill —, the Kafka broker restarted once and Redis restarted once in between; input keeps flowing until the
 * last fault. Then every output is checked exactly once, read by Weir's reader and by Kafka's Java consumer, and the
 * Redis state against a reference. The same scenario at-least-once must lose nothing; its duplicates are reported and
 * its state is bounded by them.
 *
 * WEIR_CHAOS_RECORDS (least records produced, default 200,000), WEIR_CHAOS_KILLS (default 10), WEIR_CHAOS_SEED,
 * WEIR_CHAOS_SERVICE_RESTARTS=0 to leave Kafka and Redis alone. Worker logs: $WEIR_TEST_LOG_DIR (see worker-process.ts).
 */

const minimumRecords = Number(process.env.WEIR_CHAOS_RECORDS ?? 200_000);
const kills = Number(process.env.WEIR_CHAOS_KILLS ?? 10);
const serviceRestarts = process.env.WEIR_CHAOS_SERVICE_RESTARTS !== '0';
const partitions = 4;
const keys = 97;
const perSecond = 2_500;
/** A kill waits this long at most for its victim to commit something new; then the test fails. */
const progressTimeoutMs = 90_000;

const services = servicesForFile();

/** What a worker has committed since it started: its end-to-end latency observations, one per committed output. */
const committedBy = (worker: WorkerProcess): Promise<number> => worker.metric('weir_end_to_end_latency_seconds_count');

/**
 * Produces inputs at `perSecond` until `stop()` was called and at least `minimum` were produced. `pause()` waits for
 * the send in flight: the test's own producer does not ride through a broker restart (a retried send could write an
 * input twice), the workers do.
 */
function produceUntilStopped(run: CountRun, minimum: number): { pause(): Promise<void>; resume(): void; stop(): Promise<number> } {
  let stopping = false;
  let paused: Promise<void> | undefined;
  let resume = (): void => undefined;
  let idle = (): void => undefined;
  const done = (async () => {
    let produced = 0;
    let started = Date.now();
    while (!(stopping && produced >= minimum)) {
      if (paused !== undefined) {
        idle();
        await paused;
        started = Date.now() - (produced / perSecond) * 1000;
      }
      const batch = Array.from({ length: 500 }, (_, index) => ({ key: `k${(produced + index) % keys}`, seq: produced + index }));
      await run.produce(batch);
      produced += batch.length;
      const due = started + (produced / perSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    return produced;
  })();
  return {
    pause() {
      paused = new Promise((resolve) => (resume = resolve));
      return Promise.race([new Promise<void>((resolve) => (idle = resolve)), done.then(() => undefined)]);
    },
    resume() {
      paused = undefined;
      resume();
    },
    async stop() {
      stopping = true;
      return done;
    },
  };
}

async function chaosRun(t: TestContext, guarantee: 'exactly-once' | 'at-least-once', seed: number): Promise<{ run: CountRun; result: Verification & { state: Map<string, number> } }> {
  const random = seededRandom(seed);
  const run = await countRun(services, { partitions, guarantee, prefix: 'chaos' });
  const kafkaRestartAt = serviceRestarts ? 2 + Math.floor(random() * (kills - 3)) : -1;
  const redisRestartAt = serviceRestarts ? (kafkaRestartAt + 1 + Math.floor(random() * (kills - 3))) % (kills - 1) : -1;
  t.diagnostic(`seed ${seed}, at least ${minimumRecords} records, ${kills} kills, ${guarantee}; Kafka restart after kill ${kafkaRestartAt + 1}, Redis restart after kill ${redisRestartAt + 1}`);
  const workers = [run.worker('a'), run.worker('b')];
  t.diagnostic(`worker logs: ${workers.map((worker) => worker.logFile).join(', ')}`);
  for (const worker of workers) worker.start();
  const production = produceUntilStopped(run, minimumRecords);
  try {
    for (let kill = 0; kill < kills; kill++) {
      const victim = workers[Math.floor(random() * workers.length)] as WorkerProcess;
      const index = workers.indexOf(victim);
      if (!victim.running) throw new Error(`worker ${index} is not running: ${victim.unexpectedExits.join('\n')}`);
      const before = await committedBy(victim);
      await waitForProgress(victim, before, `kill ${kill + 1}: worker ${index} committed nothing new`);
      await sleep(random() * 200);
      await victim.kill('SIGKILL');
      await sleep(random() * 1_000);
      const from = victim.logLength;
      victim.start();
      // A worker that starts while a service is down exits (fail fast at start-up); outages hit running workers.
      if (kill === kafkaRestartAt || kill === redisRestartAt) await victim.waitForLog(/"partitions assigned"/, 60_000, from);
      if (kill === kafkaRestartAt) {
        await production.pause();
        t.diagnostic(`Kafka broker restarted after kill ${kill + 1}: down and up in ${await restartService('kafka', 2_000)} ms`);
        production.resume();
      }
      if (kill === redisRestartAt) t.diagnostic(`Redis restarted after kill ${kill + 1}: down and up in ${await restartService('redis', 2_000)} ms`);
    }
    const produced = await production.stop();
    t.diagnostic(`${produced} records produced`);
    await run.waitForCommitted(produced, 300_000);
    const crashes = workers.flatMap((worker) => worker.unexpectedExits);
    assert.deepEqual(crashes, [], 'no worker exited on its own');
    return { run, result: await run.verify() };
  } catch (error) {
    await production.stop().catch(() => undefined);
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index} log tail:\n${worker.tail(20)}`);
    await run.close();
    throw error;
  }
}

/** Waits until the worker has committed more than `than`; fails loudly at the deadline. */
async function waitForProgress(worker: WorkerProcess, than: number, failure: string): Promise<void> {
  const deadline = Date.now() + progressTimeoutMs;
  for (;;) {
    const now = await committedBy(worker).catch(() => than);
    if (now > than) return;
    if (Date.now() > deadline) throw new Error(`${failure} within ${progressTimeoutMs} ms (still ${now})`);
    await sleep(100);
  }
}

const seed = (): number => Number(process.env.WEIR_CHAOS_SEED ?? Date.now() % 1_000_000);

test('exactly-once survives kill -9 of workers and restarts of Kafka and Redis: every record once, state exact', { timeout: 900_000 }, async (t) => {
  const { run, result } = await chaosRun(t, 'exactly-once', seed());
  try {
    t.diagnostic(describe(result));
    assert.deepEqual(result.missing.slice(0, 10), []);
    assert.deepEqual(result.duplicated.slice(0, 10), []);
    assert.equal(result.wrongCounts, 0);
    assert.deepEqual(result.stateMismatches.slice(0, 10), []);
    assert.equal(result.ok, true);
  } finally {
    await run.close();
  }
});

test('at-least-once under the same faults loses nothing; its state is bounded by the duplicates it reports', { timeout: 900_000 }, async (t) => {
  const { run, result } = await chaosRun(t, 'at-least-once', seed());
  try {
    t.diagnostic(`at-least-once: ${describe(result)}`);
    assert.deepEqual(result.missing.slice(0, 10), [], 'nothing lost');
    // A key's count may exceed the reference by at most the re-delivered records of that key, never fall short.
    const reference = referenceCounts(run.inputs);
    const duplicatesPerKey = new Map<string, number>();
    for (const seq of result.duplicated) {
      const key = `k${seq % keys}`;
      duplicatesPerKey.set(key, (duplicatesPerKey.get(key) ?? 0) + 1);
    }
    const state = result.state;
    const outOfBounds = [...reference].filter(([key, count]) => {
      const actual = state.get(key) ?? 0;
      return actual < count || actual > count + (duplicatesPerKey.get(key) ?? 0);
    });
    assert.deepEqual(outOfBounds.slice(0, 10), [], 'state within [reference, reference + duplicates] for every key');
    assert.equal(state.size, reference.size, 'no unexpected keys');
    t.diagnostic(`state above the reference by ${[...reference].reduce((sum, [key, count]) => sum + (state.get(key) ?? 0) - count, 0)} counts over ${keys} keys; partitions ${[...new Set([...reference.keys()].map((key) => partitionOfKey(key, partitions)))].length}`);
  } finally {
    await run.close();
  }
});
