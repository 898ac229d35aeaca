import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readChangelogTail } from '../../connectors/changelog-reader.js';
import { recoverPartition } from '../../state/recovery.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { assertExactlyOnce, countInputs, countRun, describe } from '../support/count-run.js';
import { writeInterleavedAborts } from '../support/interleaved-aborts.js';
import { createTopic, deletePartitionKeys, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * Every recovery path of the exactly-once protocol, each made to happen on purpose with the fault-injection points
 * of engine/faults.ts, against the real Kafka and Redis. One input partition, 2,000 records pre-produced: the worker
 * commits them in chunks of 500 (maxBatch.records), so "the 2nd commit" is the chunk ending at offset 1,000.
 */

const services = servicesForFile();
const total = 2_000;
const sessionTimeoutMs = 10_000;

test('crash between the Kafka commit and the Redis apply: the next owner replays the changelog', { timeout: 180_000 }, async () => {
  const run = await countRun(services);
  try {
    await run.produce(countInputs(total, 13));
    const first = run.worker();
    first.start({ WEIR_FAULTS: 'before-apply:kill@2' });
    await first.waitForLog(/"fault injected".*"before-apply"/, 60_000);
    await assertExitedBy(first);
    assert.equal(await run.committedInput(), 1_000, 'the second chunk is committed in Kafka');
    assert.equal((await run.checkpoint())?.inputOffset, '500', 'but Redis holds the first one only');

    const second = run.worker();
    second.start();
    await second.waitForLog(/state restored from changelog/, 60_000);
    await run.waitForCommitted(total, 60_000);
    assertExactlyOnce(await run.verify());
  } finally {
    await run.close();
  }
});

test('crash before the Kafka commit: nothing of the batch is visible, the next owner does it once', { timeout: 180_000 }, async () => {
  const run = await countRun(services);
  try {
    await run.produce(countInputs(total, 13));
    const first = run.worker();
    first.start({ WEIR_FAULTS: 'before-commit:kill@2' });
    await first.waitForLog(/"fault injected".*"before-commit"/, 60_000);
    await assertExitedBy(first);
    assert.equal(await run.committedInput(), 500);
    assert.equal((await run.checkpoint())?.inputOffset, '500');

    const second = run.worker();
    second.start();
    await run.waitForCommitted(total, 60_000);
    assertExactlyOnce(await run.verify());
  } finally {
    await run.close();
  }
});

test('a wiped Redis is rebuilt from the changelog', { timeout: 180_000 }, async () => {
  const run = await countRun(services);
  try {
    const inputs = countInputs(total, 13);
    await run.produce(inputs.slice(0, total / 2));
    const first = run.worker();
    first.start();
    await run.waitForCommitted(total / 2, 60_000);
    await first.kill('SIGTERM');
    const scope = { topology: run.name, partition: 0 };
    assert.ok((await deletePartitionKeys(services.redis, scope)) > 1, 'state and checkpoint existed');

    await run.produce(inputs.slice(total / 2));
    const second = run.worker();
    second.start();
    await second.waitForLog(/state restored from changelog/, 60_000);
    await run.waitForCommitted(total, 60_000);
    assertExactlyOnce(await run.verify());
  } finally {
    await run.close();
  }
});

test('aborted changelog transactions interleaved with committed ones are not replayed', { timeout: 120_000 }, async () => {
  const name = uniqueName('changelog');
  const changelog = `weir.${name}.count-by-key.changelog`;
  await createTopic(services.admin, changelog, 1);
  const committedKeys = await writeInterleavedAborts(services.kafka, changelog);
  const store = new RedisStateStore({ url: redisUrl });
  const scope = { topology: name, partition: 0 };
  try {
    const outcome = await recoverPartition({
      store,
      scope,
      statefulSteps: ['count-by-key'],
      committed: { inputOffset: '1' },
      readTail: (stepId, from) => readChangelogTail(services.kafka, services.admin, `weir.${name}.${stepId}.changelog`, 0, from),
    });
    assert.equal(outcome.replayed, true);
    const restored = await store.entries(scope, 'count-by-key');
    assert.deepEqual([...restored.keys()].sort(), committedKeys);
  } finally {
    await deletePartitionKeys(services.redis, scope);
    await store.close();
  }
});

test('a zombie that commits after the new owner was assigned: the new owner fences before it reads, nothing twice', { timeout: 180_000 }, async () => {
  const run = await countRun(services);
  try {
    await run.produce(countInputs(total, 13));
    const zombie = run.worker('zombie');
    // Stops itself with the second chunk's outputs and offsets in an open transaction.
    zombie.start({ WEIR_FAULTS: 'before-commit:stop@2' });
    await zombie.waitForLog(/"fault injected".*"before-commit"/, 60_000);
    await sleep(200);

    // The next owner gets the partition once the zombie's session expires, and waits before fencing: the zombie
    // commits in that window. Reading the committed offset before fencing would read 500 and redo 500..999.
    const owner = run.worker('owner');
    owner.start({ WEIR_FAULTS: 'before-fence:delay=8000' });
    await owner.waitForLog(/"fault injected".*"before-fence"/, sessionTimeoutMs + 30_000);
    zombie.signal('SIGCONT');
    await waitFor(async () => (await run.checkpoint())?.inputOffset === '1000', 5_000, 'the zombie committed and applied its chunk');
    await zombie.kill('SIGKILL');

    await run.waitForCommitted(total, 60_000);
    const result = await run.verify();
    assertExactlyOnce(result);
  } finally {
    await run.close();
  }
});

test("a zombie's late Redis apply is refused by the store's own script", { timeout: 180_000 }, async () => {
  const run = await countRun(services);
  try {
    await run.produce(countInputs(total, 13));
    const zombie = run.worker('zombie');
    // Commits the second chunk in Kafka, then stops before applying it to Redis.
    zombie.start({ WEIR_FAULTS: 'before-apply:stop@2' });
    await zombie.waitForLog(/"fault injected".*"before-apply"/, 60_000);

    const owner = run.worker('owner');
    owner.start();
    await owner.waitForLog(/state restored from changelog/, sessionTimeoutMs + 30_000);
    await run.waitForCommitted(total, 60_000);
    await waitFor(async () => (await run.checkpoint())?.inputOffset === String(total), 10_000, 'the new owner applied everything');

    const from = zombie.logLength;
    zombie.signal('SIGCONT');
    await zombie.waitForLog(/state of partition 0 is ahead of this worker/, 30_000, from);
    assert.equal((await run.checkpoint())?.inputOffset, String(total), 'the checkpoint did not move back');
    const result = await run.verify();
    assert.equal(result.stateMismatches.length, 0, describe(result));
    assertExactlyOnce(result);
  } finally {
    await run.close();
  }
});

async function assertExitedBy(worker: { running: boolean; unexpectedExits: string[] }): Promise<void> {
  await waitFor(async () => !worker.running, 10_000, 'the worker killed itself');
  assert.equal(worker.unexpectedExits.length, 1, 'exactly the injected exit');
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(50);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
