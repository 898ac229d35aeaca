import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OperatorError } from '../../contracts/errors.js';
import { MemoryRunner } from '../../engine/memory-runner.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { probe } from '../fixtures/operators/lifecycle-probe.js';

/** Operator lifecycle (setup once per worker, create per partition, dispose, teardown), ctx.reject, counts at commit. */

const file = fileURLToPath(new URL('../fixtures/topologies/lifecycle.yaml', import.meta.url));
const runner = async (env: Record<string, string> = {}): Promise<MemoryRunner> => new MemoryRunner(await loadTopology(file, { env }));
const records = (partition: number, seqs: number[]) => seqs.map((seq) => ({ key: `k${seq % 3}`, value: { seq }, partition }));

beforeEach(() => probe.reset());

test('setup runs once per worker and its resource is shared by the partitions; dispose per partition, teardown once', async () => {
  const run = await runner();
  await run.pipe([...records(0, [1, 2]), ...records(1, [3, 4])]);
  assert.equal(probe.setups, 1);
  assert.equal(probe.creates, 2);
  const resources = new Set(run.readOutput().map((envelope) => (envelope.value as { resource: string }).resource));
  assert.equal(resources.size, 1, 'one shared resource');
  await run.close();
  assert.equal(probe.disposes, 2);
  assert.equal(probe.teardowns, 1);
});

test('a failing setup fails the start with the file, the step and the operator named', async () => {
  const run = await runner({ SETUP_FAILS: 'true' });
  await assert.rejects(run.pipe(records(0, [1])), (error: unknown) => {
    assert.ok(error instanceof OperatorError);
    assert.equal(error.message, `${file}: pipeline[0] (step 'lifecycle-probe', operator 'lifecycle-probe'): setup failed: model file missing`);
    return true;
  });
});

test('a record the operator rejects goes to rejected alone; no other record is processed twice', async () => {
  const run = await runner({ FAIL_ON: '5' });
  await run.pipe(records(0, [1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(run.readOutput().map((envelope) => (envelope.value as { seq: number }).seq).sort(), [1, 2, 3, 4, 6, 7, 8]);
  const [rejected] = run.readOutput('rejected');
  assert.equal(rejected?.headers['weir.reason'], 'operator-error');
  assert.equal(rejected?.headers['weir.operator'], 'lifecycle-probe');
  assert.equal(rejected?.headers['weir.error'], 'cannot process 5');
  assert.deepEqual([...probe.calls.values()], [1, 1, 1, 1, 1, 1, 1, 1], 'each record called once');
});

test('counts are taken when the batch commits: a batch retried after an outage counts each record once', async () => {
  const run = await runner();
  probe.flakyOnce.add(3);
  await run.pipe(records(0, [1, 2, 3, 4]));
  assert.equal(run.readOutput().length, 4);
  assert.equal(probe.calls.get(3), 2, 'the batch ran twice');
  const recordsIn = (await run.metrics.recordsIn.get()).values.find((sample) => sample.labels.operator === 'lifecycle-probe')?.value;
  assert.equal(recordsIn, 4);
  const recordsOut = (await run.metrics.recordsOut.get()).values.find((sample) => sample.labels.operator === 'lifecycle-probe' && sample.labels.output === 'default')?.value;
  assert.equal(recordsOut, 4);
});
