import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemoryRunner } from '../../engine/memory-runner.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { MemoryStateStore } from '../../state/memory-store.js';

const countTopology = fileURLToPath(new URL('../fixtures/topologies/count.yaml', import.meta.url));

async function runner(env: Record<string, string> = {}): Promise<MemoryRunner> {
  return new MemoryRunner(await loadTopology(countTopology, { env }));
}

test('keyed state accumulates across batches and partitions stay apart', async () => {
  const run = await runner();
  await run.pipe([
    { value: { key: 'a', seq: 1 } },
    { value: { key: 'b', seq: 2 } },
    { value: { key: 'a', seq: 3 } },
    { value: { key: 'a', seq: 4 }, partition: 1 },
  ]);
  await run.pipe([{ value: { key: 'a', seq: 5 } }]);
  assert.deepEqual(
    run.readOutput().map((envelope) => [envelope.origin.partition, envelope.value]),
    [
      [0, { key: 'a', count: 1, seq: 1 }],
      [0, { key: 'b', count: 1, seq: 2 }],
      [0, { key: 'a', count: 2, seq: 3 }],
      [1, { key: 'a', count: 1, seq: 4 }],
      [0, { key: 'a', count: 3, seq: 5 }],
    ],
  );
  assert.deepEqual(await run.state('count-by-key', 0), new Map([['a', 3], ['b', 1]]));
  assert.deepEqual(await run.state('count-by-key', 1), new Map([['a', 1]]));
});

test('a record that makes an operator throw is rejected alone, its state change dropped, the batch goes on', async () => {
  const run = await runner();
  await run.pipe([{ value: { key: 'a', seq: 1 } }, { value: { key: 'a', seq: -1 } }, { value: { key: 'a', seq: 2 } }]);
  assert.deepEqual(run.readOutput().map((envelope) => envelope.value), [
    { key: 'a', count: 1, seq: 1 },
    { key: 'a', count: 2, seq: 2 },
  ]);
  const [rejected, ...more] = run.readOutput('rejected');
  assert.equal(more.length, 0);
  assert.ok(rejected);
  assert.equal(rejected.headers['weir.reason'], 'operator-error');
  assert.equal(rejected.headers['weir.operator'], 'fail-on');
  assert.equal(rejected.headers['weir.error'], 'poison record -1');
  assert.equal(rejected.headers['weir.origin.offset'], '1');
  assert.equal(rejected.raw?.toString(), '{"key":"a","seq":-1}');
  assert.deepEqual(await run.state('count-by-key'), new Map([['a', 2]]));
});

test('bytes that are not JSON go to rejected with the reason, untouched', async () => {
  const run = await runner();
  await run.pipe([{ value: Buffer.from('{not json') }, { value: { key: 'x', seq: 1 } }]);
  assert.equal(run.readOutput().length, 1);
  const [rejected] = run.readOutput('rejected');
  assert.equal(rejected?.headers['weir.reason'], 'undecodable');
  assert.match(rejected?.headers['weir.error'] ?? '', /not JSON/);
  assert.equal(rejected?.raw?.toString(), '{not json');
});

/** A memory store that remembers the checkpoint of every apply: one per committed batch. */
class RecordingStore extends MemoryStateStore {
  readonly applied: string[] = [];
  override async apply(...args: Parameters<MemoryStateStore['apply']>): Promise<boolean> {
    this.applied.push(args[2].inputOffset);
    return super.apply(...args);
  }
}

test('batches are cut at maxBatch.records and each commits its checkpoint', async () => {
  const store = new RecordingStore();
  const run = new MemoryRunner(await loadTopology(countTopology, { env: {} }), { store });
  const records = Array.from({ length: 1234 }, (_, seq) => ({ value: { key: `k${seq % 7}`, seq } }));
  await run.pipe(records);
  assert.equal(run.readOutput().length, 1234);
  assert.deepEqual(store.applied, ['500', '1000', '1234'], 'three batches: 500, 500 and 234 records');
  const counts = await run.state('count-by-key');
  assert.equal([...counts.values()].reduce((sum: number, count) => sum + (count as number), 0), 1234);
});

test('every rejection is counted by reason, whoever made it', async () => {
  const run = await runner();
  await run.pipe([{ value: Buffer.from('nope') }, { value: { key: 'a', seq: -1 } }, { value: { key: 'a', seq: 1 } }]);
  const rejects = await run.metrics.rejects.get();
  const byReason = Object.fromEntries(rejects.values.map((sample) => [`${sample.labels.operator}/${sample.labels.reason}`, sample.value]));
  assert.deepEqual(byReason, { '/undecodable': 1, 'fail-on/operator-error': 1 });
});

test('rejections an operator emits itself are counted by its reason', async () => {
  const quickstart = fileURLToPath(new URL('../../topologies/quickstart.yaml', import.meta.url));
  const run = new MemoryRunner(await loadTopology(quickstart, { env: {} }));
  await run.pipe([
    { value: { edge_id: 'e1', tenant: 't', node_ids: ['a', 'b'], weight: 1, event_time: 1 } },
    { value: { edge_id: 'e2', tenant: 't', node_ids: ['a'], weight: 1, event_time: 2 } },
    { value: { edge_id: 'e3', node_ids: ['a', 'b'], weight: 1, event_time: 3 } },
  ]);
  assert.equal(run.readOutput().length, 1);
  assert.equal(run.readOutput('rejected').length, 2);
  const rejects = await run.metrics.rejects.get();
  const byReason = Object.fromEntries(rejects.values.map((sample) => [`${sample.labels.operator}/${sample.labels.reason}`, sample.value]));
  assert.deepEqual(byReason, { 'validate/constraint': 1, 'validate/missing-field': 1 });
});
