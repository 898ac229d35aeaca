import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MemoryRunner, type InputRecord } from '../../engine/memory-runner.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { MemoryStateStore } from '../../state/memory-store.js';

/**
 * Event-time windows in memory, against hand-computed expectations: in-order, out-of-order and late records, allowed
 * lateness, emit on update, hopping and session windows, a restart in the middle of a window, an idle partition.
 */

const file = fileURLToPath(new URL('../fixtures/topologies/windows.yaml', import.meta.url));
const tumbling = '{ type: tumbling, sizeMs: 10000 }';

async function runner(env: Record<string, string>, store = new MemoryStateStore()): Promise<MemoryRunner> {
  return new MemoryRunner(await loadTopology(file, { env: { WINDOW: tumbling, ...env } }), { store, startTime: 1_000_000 });
}

const at = (timestamp: number, key = 'k'): InputRecord => ({ key, value: { n: timestamp }, timestamp });
const results = (run: MemoryRunner) => run.readOutput().map((envelope) => envelope.value);

test('tumbling, on close: a window fires once the watermark passes its end, with its count', async () => {
  const run = await runner({});
  await run.pipe([at(1_000), at(5_000), at(9_999)]);
  assert.deepEqual(results(run), [], 'the watermark (9 999) is inside the window');
  await run.pipe([at(10_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 0, end: 10_000, count: 3, revision: 1, closed: true }]);
  await run.pipe([at(31_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 10_000, end: 20_000, count: 1, revision: 1, closed: true }]);
});

test('each record sees the watermark of the records before it: in 10, 5, 20, the 5 is late unless the allowance covers it', async () => {
  const run = await runner({ OUT_OF_ORDER_MS: '0' });
  await run.pipe([at(10_000), at(5_000), at(20_000)]);
  assert.deepEqual(run.readOutput('late').length, 1, '5 000 came after 10 000 with no allowance: late');
  assert.deepEqual(results(run), [{ key: 'k', start: 10_000, end: 20_000, count: 1, revision: 1, closed: true }]);
  const allowed = await runner({ OUT_OF_ORDER_MS: '5000' });
  await allowed.pipe([at(10_000), at(5_000), at(26_000)]);
  assert.deepEqual(allowed.readOutput('late'), [], 'within the out-of-orderness allowance');
  assert.deepEqual(results(allowed), [
    { key: 'k', start: 0, end: 10_000, count: 1, revision: 1, closed: true },
    { key: 'k', start: 10_000, end: 20_000, count: 1, revision: 1, closed: true },
  ]);
});

test('a late record goes to the late output with the reason', async () => {
  const run = await runner({});
  await run.pipe([at(12_000), at(3_000)]);
  const [late] = run.readOutput('late');
  assert.equal(late?.headers['weir.reason'], 'late');
  assert.match(late?.headers['weir.error'] ?? '', /event time 3000 is in window 0-10000, closed at watermark 12000/);
  assert.deepEqual(results(run), []);
});

test('allowed lateness: a late record updates its window and fires it again, until end + lateness', async () => {
  const run = await runner({ LATENESS_MS: '5000' });
  await run.pipe([at(2_000), at(11_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 0, end: 10_000, count: 1, revision: 1, closed: true }]);
  await run.pipe([at(4_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 0, end: 10_000, count: 2, revision: 2, closed: true }]);
  await run.pipe([at(15_000), at(6_000)]);
  assert.equal(run.readOutput('late').length, 1, 'past end + lateness: purged, late');
});

test('emit on update: an incremental result per batch that changed the window, then the final one', async () => {
  const run = await runner({ EMIT: 'on-update' });
  await run.pipe([at(1_000), at(2_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 0, end: 10_000, count: 2, revision: 1, closed: false }]);
  await run.pipe([at(3_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 0, end: 10_000, count: 3, revision: 2, closed: false }]);
  await run.pipe([at(10_500)]);
  assert.deepEqual(
    results(run).sort((a, b) => (a as { start: number }).start - (b as { start: number }).start),
    [
      { key: 'k', start: 0, end: 10_000, count: 3, revision: 3, closed: true },
      { key: 'k', start: 10_000, end: 20_000, count: 1, revision: 1, closed: false },
    ],
  );
});

test('hopping windows count a record in every window that holds it', async () => {
  const run = await runner({ WINDOW: '{ type: hopping, sizeMs: 10000, advanceMs: 5000 }' });
  await run.pipe([at(7_000), at(30_000)]);
  assert.deepEqual(results(run).map((value) => ({ ...(value as object) })), [
    { key: 'k', start: 0, end: 10_000, count: 1, revision: 1, closed: true },
    { key: 'k', start: 5_000, end: 15_000, count: 1, revision: 1, closed: true },
  ]);
});

test('session windows: records closer than the gap join one session, which closes after the gap', async () => {
  const run = await runner({ WINDOW: '{ type: session, gapMs: 5000 }' });
  await run.pipe([at(1_000), at(4_000), at(8_000)]);
  assert.deepEqual(results(run), []);
  await run.pipe([at(20_000)]);
  assert.deepEqual(results(run), [{ key: 'k', start: 1_000, end: 13_000, count: 3, revision: 1, closed: true }]);
});

test('keys keep their own windows', async () => {
  const run = await runner({});
  await run.pipe([at(1_000, 'a'), at(2_000, 'b'), at(3_000, 'a'), at(12_000, 'c')]);
  assert.deepEqual(results(run), [
    { key: 'a', start: 0, end: 10_000, count: 2, revision: 1, closed: true },
    { key: 'b', start: 0, end: 10_000, count: 1, revision: 1, closed: true },
  ]);
});

test('a restart in the middle of a window: its state, its timer and the watermark survive', async () => {
  const store = new MemoryStateStore();
  const before = await runner({}, store);
  await before.pipe([at(1_000), at(2_000)]);
  await before.close();
  const after = await runner({}, store);
  await after.pipe([at(3_000)]);
  assert.deepEqual(results(after), []);
  await after.pipe([at(11_000)]);
  assert.deepEqual(results(after), [{ key: 'k', start: 0, end: 10_000, count: 3, revision: 1, closed: true }]);
  const late = await runner({}, store);
  await late.pipe([at(4_000)]);
  assert.equal(late.readOutput('late').length, 1, 'the restored watermark (11 000) makes 4 000 late');
});

test('an idle partition closes its windows by processing time when idleTimeoutMs is set', async () => {
  const run = await runner({ IDLE_MS: '2000' });
  await run.pipe([at(5_000)]);
  await run.advanceTime(1_000);
  assert.deepEqual(results(run), [], 'not idle yet');
  await run.advanceTime(6_000);
  assert.deepEqual(results(run), [{ key: 'k', start: 0, end: 10_000, count: 1, revision: 1, closed: true }]);
});
