import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { StateMutation } from '../../contracts/state.js';
import { MemoryStateStore } from '../../state/memory-store.js';
import { RedisStateStore } from '../../state/redis-store.js';
import type { PartitionScope, StateStore } from '../../state/state-store.js';
import { restartService } from '../support/stack.js';
import { redisUrl, uniqueName } from './support/services.js';

/**
 * One contract for every StateStore, run against the memory store and the Redis store (its own Lua script on the real
 * server): what the exactly-once protocol relies on when it applies a committed batch, TTLs and bitsets included.
 */

/** A store with the clock its TTLs expire on: a virtual one for memory, real time (waited for) for Redis. */
interface Subject {
  readonly store: StateStore;
  now(): number;
  /** Lets `ms` pass on the store's clock. */
  pass(ms: number): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const subjects: Record<string, () => Subject> = {
  memory: () => {
    let clock = 1_700_000_000_000;
    return { store: new MemoryStateStore({ now: () => clock }), now: () => clock, pass: async (ms) => void (clock += ms) };
  },
  redis: () => ({ store: new RedisStateStore({ url: redisUrl }), now: Date.now, pass: sleep }),
};

const put = (key: string, text: string, operator = 'op'): StateMutation => ({ kind: 'put', operator, key, value: Buffer.from(text) });
const del = (key: string, operator = 'op'): StateMutation => ({ kind: 'delete', operator, key });
const bits = (bitset: string, offsets: number[], operator = 'op'): StateMutation => ({ kind: 'bits', operator, key: bitset, offsets });
const text = (bytes: Buffer | undefined): string | undefined => bytes?.toString();
const texts = (entries: Map<string, Buffer>): Map<string, string> => new Map([...entries].map(([key, value]) => [key, value.toString()]));

let redis: Redis;
before(() => {
  redis = new Redis(redisUrl);
});
after(() => redis.quit());

/** Deletes every Redis key of a test's topology, whatever the partition or task. */
async function cleanUp(topology: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `weir:{${topology}*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

for (const [kind, make] of Object.entries(subjects)) {
  describe(`${kind} store`, () => {
    const withStore = async (body: (store: StateStore, scope: PartitionScope, subject: Subject) => Promise<void>): Promise<void> => {
      const subject = make();
      const scope = { topology: uniqueName('contract'), partition: 3 };
      try {
        await body(subject.store, scope, subject);
      } finally {
        await subject.store.close();
        await cleanUp(scope.topology);
      }
    };

    test('a fresh scope has no values, no bits and no checkpoint', () =>
      withStore(async (store, scope) => {
        assert.equal(await store.get(scope, 'op', 'k'), undefined);
        assert.deepEqual(await store.testBits(scope, 'op', 'bloom', [0, 1, 99]), [false, false, false]);
        assert.equal(await store.readCheckpoint(scope), undefined);
        assert.deepEqual(await store.entries(scope, 'op'), new Map());
      }));

    test('apply writes values and the checkpoint together', () =>
      withStore(async (store, scope) => {
        assert.equal(await store.apply(scope, [put('a', '1'), put('b', '"x"', 'other')], { inputOffset: '10', changelog: { op: '4' } }), true);
        assert.equal(text(await store.get(scope, 'op', 'a')), '1');
        assert.equal(text(await store.get(scope, 'other', 'b')), '"x"');
        assert.deepEqual(texts(await store.entries(scope, 'op')), new Map([['a', '1']]));
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '10', changelog: { op: '4' } });
      }));

    test('values are bytes: every byte value, invalid UTF-8 and NUL included, comes back exactly', () =>
      withStore(async (store, scope) => {
        const value = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
        await store.apply(scope, [{ kind: 'put', operator: 'op', key: 'bin', value }], { inputOffset: '1', changelog: {} });
        assert.deepEqual(await store.get(scope, 'op', 'bin'), value);
        assert.deepEqual((await store.entries(scope, 'op')).get('bin'), value);
      }));

    test('keys with separators and glob characters come back whole; an operator whose name extends another stays apart', () =>
      withStore(async (store, scope) => {
        const keys = ['a:b', '*', 'a*', '[x]', 'é ü', 'x\\y'];
        await store.apply(scope, [...keys.map((key) => put(key, key)), put('a:b', 'other operator', 'op-x')], { inputOffset: '1', changelog: {} });
        assert.deepEqual(texts(await store.entries(scope, 'op')), new Map(keys.map((key) => [key, key])));
        assert.deepEqual(texts(await store.entries(scope, 'op-x')), new Map([['a:b', 'other operator']]));
      }));

    test('a checkpoint at or before the stored one is refused and changes nothing, bits included', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [put('a', '1')], { inputOffset: '10', changelog: { op: '4' } });
        for (const stale of ['10', '9', '1']) {
          assert.equal(await store.apply(scope, [put('a', 'stale'), put('z', 'stale'), bits('bloom', [5])], { inputOffset: stale, changelog: { op: '99' }, watermark: 5 }), false);
        }
        assert.deepEqual(texts(await store.entries(scope, 'op')), new Map([['a', '1']]));
        assert.deepEqual(await store.testBits(scope, 'op', 'bloom', [5]), [false]);
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '10', changelog: { op: '4' } });
      }));

    test('offsets compare as integers of any size, not as text or doubles', () =>
      withStore(async (store, scope) => {
        assert.equal(await store.apply(scope, [], { inputOffset: '9', changelog: {} }), true);
        assert.equal(await store.apply(scope, [], { inputOffset: '10', changelog: {} }), true, '10 is after 9');
        assert.equal(await store.apply(scope, [], { inputOffset: '9007199254740993', changelog: {} }), true);
        assert.equal(await store.apply(scope, [], { inputOffset: '9007199254740992', changelog: {} }), false, 'one below, beyond double precision');
        assert.equal(await store.apply(scope, [], { inputOffset: '9007199254740994', changelog: {} }), true);
      }));

    test('a delete removes the key', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [put('a', '1'), put('b', '2')], { inputOffset: '1', changelog: {} });
        await store.apply(scope, [del('a')], { inputOffset: '2', changelog: {} });
        assert.equal(await store.get(scope, 'op', 'a'), undefined);
        assert.deepEqual(texts(await store.entries(scope, 'op')), new Map([['b', '2']]));
      }));

    test("changelog offsets of steps a batch did not touch are kept", () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [], { inputOffset: '1', changelog: { a: '5' } });
        await store.apply(scope, [], { inputOffset: '2', changelog: { b: '7' } });
        await store.apply(scope, [], { inputOffset: '3', changelog: { a: '9' } });
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '3', changelog: { a: '9', b: '7' } });
      }));

    test('the watermark is saved with the checkpoint and kept by an apply that has none', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [], { inputOffset: '1', changelog: {}, watermark: 1_700_000_000_123 });
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '1', changelog: {}, watermark: 1_700_000_000_123 });
        await store.apply(scope, [], { inputOffset: '2', changelog: { op: '3' } });
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '2', changelog: { op: '3' }, watermark: 1_700_000_000_123 });
        await store.apply(scope, [], { inputOffset: '3', changelog: {}, watermark: 1_700_000_000_456 });
        assert.equal((await store.readCheckpoint(scope))?.watermark, 1_700_000_000_456);
      }));

    test('a key expires at its absolute time; others stay; a later put without TTL keeps the key for good', () =>
      withStore(async (store, scope, subject) => {
        const ttlMs = 400;
        const expiresAt = subject.now() + ttlMs;
        await store.apply(scope, [{ kind: 'put', operator: 'op', key: 'short', value: Buffer.from('s'), expiresAt }, { kind: 'put', operator: 'op', key: 'renewed', value: Buffer.from('r'), expiresAt }, put('long', 'l')], { inputOffset: '1', changelog: {} });
        assert.equal(text(await store.get(scope, 'op', 'short')), 's', 'alive before its expiry');
        await store.apply(scope, [put('renewed', 'r2')], { inputOffset: '2', changelog: {} });
        await subject.pass(ttlMs);
        const deadline = Date.now() + 5_000;
        while ((await store.get(scope, 'op', 'short')) !== undefined) {
          assert.ok(Date.now() < deadline, `'short' did not expire within 5 s of its TTL`);
          await sleep(20);
        }
        assert.ok(subject.now() >= expiresAt, 'not gone before its time');
        assert.deepEqual(texts(await store.entries(scope, 'op')), new Map([['long', 'l'], ['renewed', 'r2']]));
      }));

    test('a put whose expiry has already passed deletes the key', () =>
      withStore(async (store, scope, subject) => {
        await store.apply(scope, [put('a', '1'), put('b', '2')], { inputOffset: '1', changelog: {} });
        const past = subject.now() - 1;
        assert.equal(await store.apply(scope, [{ kind: 'put', operator: 'op', key: 'a', value: Buffer.from('late'), expiresAt: past }, { kind: 'put', operator: 'op', key: 'c', value: Buffer.from('late'), expiresAt: past }], { inputOffset: '2', changelog: {} }), true);
        assert.equal(await store.get(scope, 'op', 'a'), undefined);
        assert.equal(await store.get(scope, 'op', 'c'), undefined);
        assert.deepEqual(texts(await store.entries(scope, 'op')), new Map([['b', '2']]));
      }));

    test('bits set by applies stay set, and only those', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [bits('bloom', [0, 7, 8, 1_000])], { inputOffset: '1', changelog: {} });
        await store.apply(scope, [bits('bloom', [9, 1_000, 1_000_003]), bits('other', [1])], { inputOffset: '2', changelog: {} });
        const probe = [0, 1, 6, 7, 8, 9, 10, 999, 1_000, 1_001, 1_000_003, 5_000_000];
        assert.deepEqual(await store.testBits(scope, 'op', 'bloom', probe), [true, false, false, true, true, true, false, false, true, false, true, false]);
        assert.deepEqual(await store.testBits(scope, 'op', 'other', [0, 1, 7]), [false, true, false]);
        assert.deepEqual(await store.testBits(scope, 'op-2', 'bloom', [0, 7]), [false, false], 'another operator has its own bitsets');
        assert.deepEqual(await store.testBits(scope, 'op', 'bloom', []), []);
        assert.deepEqual(await store.entries(scope, 'op'), new Map(), 'bitsets are not state keys');
      }));

    test('partitions, tasks and topologies do not see each other', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [put('a', '1'), bits('bloom', [3])], { inputOffset: '1', changelog: {} });
        for (const other of [{ ...scope, partition: 4 }, { ...scope, topology: `${scope.topology}-x` }, { ...scope, task: 'key-by' }]) {
          assert.equal(await store.get(other, 'op', 'a'), undefined);
          assert.deepEqual(await store.testBits(other, 'op', 'bloom', [3]), [false]);
          assert.equal(await store.readCheckpoint(other), undefined);
        }
      }));
  });
}

test('redis store: applied state and checkpoint survive a restart of the server (AOF)', { timeout: 180_000 }, async () => {
  const scope = { topology: uniqueName('aof'), partition: 0 };
  let store = new RedisStateStore({ url: redisUrl });
  try {
    await store.apply(scope, [put('a', '1'), bits('bloom', [42])], { inputOffset: '12', changelog: { op: '3' }, watermark: 77 });
    await store.close();
    await restartService('redis');
    store = new RedisStateStore({ url: redisUrl });
    assert.equal(text(await store.get(scope, 'op', 'a')), '1');
    assert.deepEqual(await store.testBits(scope, 'op', 'bloom', [41, 42]), [false, true]);
    assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '12', changelog: { op: '3' }, watermark: 77 });
  } finally {
    await store.close();
    await cleanUp(scope.topology);
  }
});
