import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateValueError } from '../../../contracts/errors.js';
import { changelogMaxMessageBytes } from '../../../contracts/state-changelog.js';
import type { StateMutation } from '../../../contracts/state.js';
import { BatchOverlay, keyedState } from '../../../state/batch-overlay.js';
import { MemoryStateStore } from '../../../state/memory-store.js';
import { binaryCodec, jsonCodec, jsonStateCodec } from '../../../state/state-codecs.js';
import type { PartitionScope } from '../../../state/state-store.js';

const scope: PartitionScope = { topology: 'overlay-test', partition: 0 };

/** A memory store that counts the reads that reach it. */
class CountingStore extends MemoryStateStore {
  gets = 0;
  bitTests: number[][] = [];
  override async get(...args: Parameters<MemoryStateStore['get']>): Promise<Buffer | undefined> {
    this.gets++;
    return super.get(...args);
  }
  override async testBits(...args: Parameters<MemoryStateStore['testBits']>): Promise<boolean[]> {
    this.bitTests.push([...args[3]]);
    return super.testBits(...args);
  }
}

async function committed(store: MemoryStateStore, mutations: StateMutation[]): Promise<void> {
  assert.equal(await store.apply(scope, mutations, { inputOffset: String(Date.now() + Math.random()).replace('.', ''), changelog: {} }), true);
}

test('a view reads its own writes first, then the committed store; a delete hides a committed key', async () => {
  const store = new CountingStore();
  await committed(store, [{ kind: 'put', operator: 'op', key: 'a', value: jsonCodec.encode(1) }, { kind: 'put', operator: 'op', key: 'b', value: jsonCodec.encode(2) }]);
  const state = new BatchOverlay(store, scope).view('op');
  assert.equal(await state.get('a'), 1);
  state.put('a', { n: 10 });
  state.delete('b');
  state.put('c', 'new');
  assert.deepEqual(await state.get('a'), { n: 10 });
  assert.equal(await state.get('b'), undefined);
  assert.equal(await state.get('c'), 'new');
  assert.equal(await state.get('missing'), undefined);
  assert.equal(await state.get('missing'), undefined);
  assert.equal(store.gets, 2, "committed reads are cached for the batch, absent keys too: 'a' and 'missing' once each");
});

test('a value read is a copy: changing it does not change the state', async () => {
  const state = new BatchOverlay(new MemoryStateStore(), scope).view('op');
  state.put('a', { list: [1] });
  const read = (await state.get<{ list: number[] }>('a')) as { list: number[] };
  read.list.push(2);
  assert.deepEqual(await state.get('a'), { list: [1] });
});

test('mutations: one per key with its encoded bytes and expiry, one per bitset with its offsets', async () => {
  const overlay = new BatchOverlay(new MemoryStateStore(), scope);
  const now = () => 1_000;
  const state = overlay.view('op', jsonCodec, now);
  state.put('a', 1);
  state.put('a', 2);
  state.put('t', 'x', { ttlMs: 500 });
  state.delete('gone');
  state.bits('bloom').set([3, 1, 3]);
  overlay.view('other', binaryCodec, now).put('f', new Float32Array([1]));
  assert.deepEqual(overlay.mutations(), [
    { kind: 'put', operator: 'op', key: 'a', value: jsonCodec.encode(2) },
    { kind: 'put', operator: 'op', key: 't', value: jsonCodec.encode('x'), expiresAt: 1_500 },
    { kind: 'delete', operator: 'op', key: 'gone' },
    { kind: 'put', operator: 'other', key: 'f', value: binaryCodec.encode(new Float32Array([1])) },
    { kind: 'bits', operator: 'op', key: 'bloom', offsets: [3, 1] },
  ]);
});

test('TTL: a key put with ttlMs reads as absent once the clock reaches its expiry', async () => {
  let clock = 5_000;
  const state = new BatchOverlay(new MemoryStateStore(), scope).view('op', jsonCodec, () => clock);
  state.put('rate', 1, { ttlMs: 100 });
  clock = 5_099;
  assert.equal(await state.get('rate'), 1);
  clock = 5_100;
  assert.equal(await state.get('rate'), undefined);
  for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => state.put('x', 1, { ttlMs }), RangeError);
});

test('TTL: an expired committed key is absent, a committed key with time left is read', async () => {
  let clock = 10_000;
  const store = new MemoryStateStore({ now: () => clock });
  await committed(store, [
    { kind: 'put', operator: 'op', key: 'old', value: jsonCodec.encode('o'), expiresAt: 10_050 },
    { kind: 'put', operator: 'op', key: 'young', value: jsonCodec.encode('y'), expiresAt: 20_000 },
  ]);
  clock = 10_050;
  const state = new BatchOverlay(store, scope).view('op', jsonCodec, () => clock);
  assert.equal(await state.get('old'), undefined);
  assert.equal(await state.get('young'), 'y');
});

test('bits: a batch sees its own sets; the store is asked once per test, for the offsets not known yet', async () => {
  const store = new CountingStore();
  await committed(store, [{ kind: 'bits', operator: 'op', key: 'bloom', offsets: [10, 20] }]);
  const bloom = new BatchOverlay(store, scope).view('op').bits('bloom');
  bloom.set([30]);
  assert.deepEqual(await bloom.test([10, 11, 30, 20]), [true, false, true, true]);
  assert.deepEqual(store.bitTests, [[10, 11, 20]], 'one store call; the pending 30 is not asked');
  assert.deepEqual(await bloom.test([10, 11, 20]), [true, false, true]);
  assert.equal(store.bitTests.length, 1, 'committed bits already read are not asked again');
  bloom.set([11]);
  assert.deepEqual(await bloom.test([11]), [true], 'a set after a "not set" answer wins');
  assert.deepEqual(await new BatchOverlay(store, scope).view('op').bits('other').test([10]), [false], 'bitsets are apart');
});

test('bits: offsets are integers from 0 to 2^32 - 1', async () => {
  const bloom = new BatchOverlay(new MemoryStateStore(), scope).view('op').bits('bloom');
  bloom.set([0, 2 ** 32 - 1]);
  for (const offset of [-1, 2 ** 32, 1.5, Number.NaN]) {
    assert.throws(() => bloom.set([offset]), RangeError);
    await assert.rejects(bloom.test([offset]), RangeError);
  }
});

test('fork: a failing record leaves nothing, neither writes nor bit sets; a merged fork keeps both', async () => {
  const store = new CountingStore();
  const root = new BatchOverlay(store, scope);
  root.view('op').put('kept', 1);
  root.view('op').bits('bloom').set([1]);

  const failing = root.fork();
  failing.view('op').put('kept', 'overwritten by a failing record');
  failing.view('op').put('other', 2);
  failing.view('op').bits('bloom').set([2]);
  assert.deepEqual(await failing.view('op').bits('bloom').test([1, 2]), [true, true], 'a fork sees its parent and itself');
  assert.equal(await failing.view('op').get('kept'), 'overwritten by a failing record');

  const passing = root.fork();
  assert.equal(await passing.view('op').get('kept'), 1, 'siblings do not see each other');
  assert.deepEqual(await passing.view('op').bits('bloom').test([2]), [false]);
  passing.view('op').put('merged', 3);
  passing.view('op').bits('bloom').set([3]);
  passing.view('op').bits('fresh').set([4]);
  passing.mergeIntoParent();

  assert.deepEqual(root.mutations(), [
    { kind: 'put', operator: 'op', key: 'kept', value: jsonCodec.encode(1) },
    { kind: 'put', operator: 'op', key: 'merged', value: jsonCodec.encode(3) },
    { kind: 'bits', operator: 'op', key: 'bloom', offsets: [1, 3] },
    { kind: 'bits', operator: 'op', key: 'fresh', offsets: [4] },
  ]);
  assert.throws(() => root.mergeIntoParent(), TypeError);
});

test('a value larger than a changelog record fails at put, not retriable, naming operator and key; nothing is written', () => {
  const overlay = new BatchOverlay(new MemoryStateStore(), { topology: 'big', partition: 2 });
  const state = overlay.view('audio', binaryCodec);
  state.put('fits', Buffer.alloc(changelogMaxMessageBytes - 2_048));
  assert.throws(
    () => state.put('stream-7', Buffer.alloc(changelogMaxMessageBytes)),
    (error: unknown) =>
      error instanceof StateValueError &&
      !error.retriable &&
      error.context.operator === 'audio' &&
      error.context.partition === 2 &&
      /state value of operator 'audio' for key 'stream-7' is 8388634 bytes encoded \(binary\); a changelog record holds at most 8387576$/.test(error.message),
  );
  assert.deepEqual(overlay.mutations().map((mutation) => mutation.key), ['fits']);
});

test('keys: the U+0000 prefix is reserved; an over-long key is refused even for a delete', () => {
  const state = new BatchOverlay(new MemoryStateStore(), scope).view('op');
  assert.throws(() => state.put('\u0000bits:1:0:x', 1), TypeError);
  assert.throws(() => state.delete('x'.repeat(1_048_577)), (error: unknown) => error instanceof StateValueError && /is longer than 1048576 characters/.test(error.message) && !error.message.includes('x'.repeat(300)));
});

test('a stored value its codec cannot read fails naming the operator and key', async () => {
  const store = new MemoryStateStore();
  await committed(store, [{ kind: 'put', operator: 'op', key: 'k', value: jsonStateCodec({ version: 1 }).encode(1) }]);
  const state = new BatchOverlay(store, scope).view('op', jsonStateCodec({ version: 2 }));
  await assert.rejects(state.get('k'), (error: unknown) => error instanceof StateValueError && error.message === "state of operator 'op', key 'k': state codec 'json' reads version 2, the stored value has version 1");
});

test('keyedState follows the current overlay: a Bitset kept across batches writes into the batch in progress', async () => {
  let current = new BatchOverlay(new MemoryStateStore(), scope);
  const state = keyedState(() => current, 'op', jsonCodec, Date.now);
  const bloom = state.bits('bloom');
  assert.equal(state.bits('bloom'), bloom, 'one Bitset per name');
  bloom.set([1]);
  state.put('a', 1);
  const first = current;
  current = new BatchOverlay(new MemoryStateStore(), scope);
  bloom.set([2]);
  assert.deepEqual(first.mutations().map((mutation) => (mutation.kind === 'bits' ? mutation.offsets : mutation.key)), ['a', [1]]);
  assert.deepEqual(current.mutations(), [{ kind: 'bits', operator: 'op', key: 'bloom', offsets: [2] }]);
});
