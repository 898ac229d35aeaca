import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemoryRunner } from '../../engine/memory-runner.js';
import { subtopologies } from '../../engine/subtopology.js';
import { loadTopology } from '../../engine/topology-loader.js';

/** key-by in memory: records of one key meet in one downstream task whatever their input partition; watermarks cross. */

const file = fileURLToPath(new URL('../fixtures/topologies/keyby-windows.yaml', import.meta.url));
const load = () => loadTopology(file, { env: {} });
const event = (tenant: string, time: number, partition: number) => ({ value: { tenant, time }, partition });

test('the topology is cut at key-by: the downstream part reads the repartition topic', async () => {
  const parts = subtopologies(await load());
  assert.deepEqual(
    parts.map((part) => ({ id: part.id, source: part.source.topic, steps: part.steps.map((step) => step.id), next: part.next?.topic })),
    [
      { id: undefined, source: 'keyby.in', steps: [], next: 'weir.keyby-windows.key-by.repartition' },
      { id: 'key-by', source: 'weir.keyby-windows.key-by.repartition', steps: ['window-count'], next: undefined },
    ],
  );
});

test('records of one key from different input partitions are counted together; the watermark is the upstream minimum', async () => {
  const run = new MemoryRunner(await load(), { inputPartitions: 2 });
  await run.pipe([event('a', 1_000, 0), event('a', 2_000, 1), event('b', 3_000, 1), event('a', 12_000, 0)]);
  assert.deepEqual(run.readOutput(), [], 'partition 1 has not passed 10 000: the window stays open');
  await run.pipe([event('c', 15_000, 1)]);
  const results = run.readOutput().map((envelope) => envelope.value as { key: string; count: number; start: number });
  assert.deepEqual(results.sort((x, y) => x.key.localeCompare(y.key)), [
    { key: 'a', start: 0, end: 10_000, count: 2, revision: 1, closed: true },
    { key: 'b', start: 0, end: 10_000, count: 1, revision: 1, closed: true },
  ]);
  const downstreamWatermarks = [0, 1, 2].map((partition) => run.watermark(partition, 'key-by'));
  assert.ok(downstreamWatermarks.every((watermark) => watermark === 12_000 || watermark === Number.NEGATIVE_INFINITY), `${downstreamWatermarks}`);
});

test('a record without the key-by field goes to rejected with the reason', async () => {
  const run = new MemoryRunner(await load());
  await run.pipe([{ value: { time: 1_000 }, partition: 0 }]);
  const [rejected] = run.readOutput('rejected');
  assert.equal(rejected?.headers['weir.reason'], 'missing-key');
  assert.equal(rejected?.headers['weir.field'], 'tenant');
});
