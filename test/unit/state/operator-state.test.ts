import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { changelogMaxMessageBytes } from '../../../contracts/state-changelog.js';
import { MemoryRunner } from '../../../engine/memory-runner.js';
import { loadTopology } from '../../../engine/topology-loader.js';
import { bloomItems, bloomReference } from '../../support/bloom-reference.js';

/** Stateful fixture operators through the memory runner: keyed state with TTLs and bitsets, end to end. */

const topology = (name: string): string => fileURLToPath(new URL(`../../fixtures/topologies/${name}.yaml`, import.meta.url));

test('bloom-add: every seen flag and every bit of the filter match a reference computed record by record', async () => {
  const bits = 1_000_000;
  const items = bloomItems(5_000, 0.3, 7);
  const run = new MemoryRunner(await loadTopology(topology('bloom'), { env: { BLOOM_BITS: String(bits) } }));
  await run.pipe(items.map((item) => ({ value: { item } })));
  const reference = bloomReference(items, bits, 7);
  const outputs = run.readOutput().map((envelope) => envelope.value as { item: string; seen: boolean });
  assert.deepEqual(outputs.map((output) => output.item), items);
  assert.deepEqual(outputs.map((output) => output.seen), reference.seen);
  assert.equal(reference.seen.filter(Boolean).length, 1_500, 'the repeats, and no false positive at this fill');

  const all = Array.from({ length: bits }, (_, offset) => offset);
  const stored = await run.store.testBits({ topology: run.topology.name, partition: 0 }, 'bloom-add', 'bloom', all);
  const expected = all.map((offset) => ((reference.bits[offset >>> 3] ?? 0) & (0x80 >>> (offset & 7))) !== 0);
  assert.deepEqual(stored, expected);
});

test('remember: a key expires its TTL after its last write, on the runner clock', async () => {
  const run = new MemoryRunner(await loadTopology(topology('remember'), { env: {} }), { startTime: 1_000_000 });
  const previous = () => run.readOutput().map((envelope) => (envelope.value as { previous: unknown }).previous);
  await run.pipe([{ value: { key: 'a', value: 1 } }, { value: { key: 'b', value: 'x' } }]);
  await run.advanceTime(600);
  await run.pipe([{ value: { key: 'a', value: 2 } }]);
  assert.deepEqual(previous(), [null, null, 1]);
  await run.advanceTime(600);
  assert.deepEqual(await run.state('remember'), new Map([['a', 2]]), "'b' expired 1,000 ms after its write; 'a' was written again");
  await run.pipe([{ value: { key: 'a', value: 3 } }, { value: { key: 'b', value: 'y' } }]);
  assert.deepEqual(previous(), [2, null]);
  await run.advanceTime(1_000);
  await run.pipe([{ value: { key: 'a', value: 4 } }]);
  assert.deepEqual(previous(), [null]);
});

test('a state value too large for a changelog record dead-letters its record alone; the batch goes on', async () => {
  const run = new MemoryRunner(await loadTopology(topology('remember'), { env: {} }));
  await run.pipe([{ value: { key: 'a', value: 1 } }, { value: { key: 'huge', value: 'x'.repeat(changelogMaxMessageBytes) } }, { value: { key: 'a', value: 2 } }]);
  assert.deepEqual(run.readOutput().map((envelope) => envelope.value), [{ key: 'a', previous: null }, { key: 'a', previous: 1 }]);
  const [rejected, ...more] = run.readOutput('rejected');
  assert.equal(more.length, 0);
  assert.equal(rejected?.headers['weir.reason'], 'operator-error');
  assert.equal(rejected?.headers['weir.operator'], 'remember');
  assert.match(rejected?.headers['weir.error'] ?? '', /^state value of operator 'remember' for key 'huge' is 8388611 bytes encoded \(json\); a changelog record holds at most \d+$/);
  assert.deepEqual(await run.state('remember'), new Map([['a', 2]]));
});
