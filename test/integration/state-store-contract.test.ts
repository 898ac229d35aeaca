import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStateStore } from '../../state/memory-store.js';
import { RedisStateStore } from '../../state/redis-store.js';
import type { PartitionScope, StateStore } from '../../state/state-store.js';
import { restartService } from '../support/stack.js';
import { redisUrl, uniqueName } from './support/services.js';

/**
 * One contract for every StateStore, run against the memory store and the Redis store (its own Lua script on the real
 * server): what the exactly-once protocol relies on when it applies a committed batch.
 */

const stores: Record<string, () => StateStore> = {
  memory: () => new MemoryStateStore(),
  redis: () => new RedisStateStore({ url: redisUrl }),
};

for (const [kind, make] of Object.entries(stores)) {
  describe(`${kind} store`, () => {
    const withStore = async (body: (store: StateStore, scope: PartitionScope) => Promise<void>): Promise<void> => {
      const store = make();
      try {
        await body(store, { topology: uniqueName('contract'), partition: 3 });
      } finally {
        await store.close();
      }
    };

    test('a fresh scope has no values and no checkpoint', () =>
      withStore(async (store, scope) => {
        assert.equal(await store.get(scope, 'op', 'k'), undefined);
        assert.equal(await store.readCheckpoint(scope), undefined);
        assert.deepEqual(await store.entries(scope, 'op'), new Map());
      }));

    test('apply writes values and the checkpoint together', () =>
      withStore(async (store, scope) => {
        assert.equal(await store.apply(scope, [{ operator: 'op', key: 'a', value: '1' }, { operator: 'other', key: 'b', value: '"x"' }], { inputOffset: '10', changelog: { op: '4' } }), true);
        assert.equal(await store.get(scope, 'op', 'a'), '1');
        assert.equal(await store.get(scope, 'other', 'b'), '"x"');
        assert.deepEqual(await store.entries(scope, 'op'), new Map([['a', '1']]));
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '10', changelog: { op: '4' } });
      }));

    test('a checkpoint at or before the stored one is refused and changes nothing', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [{ operator: 'op', key: 'a', value: '1' }], { inputOffset: '10', changelog: { op: '4' } });
        for (const stale of ['10', '9', '1']) {
          assert.equal(await store.apply(scope, [{ operator: 'op', key: 'a', value: 'stale' }, { operator: 'op', key: 'z', value: 'stale' }], { inputOffset: stale, changelog: { op: '99' } }), false);
        }
        assert.deepEqual(await store.entries(scope, 'op'), new Map([['a', '1']]));
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

    test('a null value deletes the key', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [{ operator: 'op', key: 'a', value: '1' }, { operator: 'op', key: 'b', value: '2' }], { inputOffset: '1', changelog: {} });
        await store.apply(scope, [{ operator: 'op', key: 'a', value: null }], { inputOffset: '2', changelog: {} });
        assert.equal(await store.get(scope, 'op', 'a'), undefined);
        assert.deepEqual(await store.entries(scope, 'op'), new Map([['b', '2']]));
      }));

    test("changelog offsets of steps a batch did not touch are kept", () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [], { inputOffset: '1', changelog: { a: '5' } });
        await store.apply(scope, [], { inputOffset: '2', changelog: { b: '7' } });
        await store.apply(scope, [], { inputOffset: '3', changelog: { a: '9' } });
        assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '3', changelog: { a: '9', b: '7' } });
      }));

    test('partitions and topologies do not see each other', () =>
      withStore(async (store, scope) => {
        await store.apply(scope, [{ operator: 'op', key: 'a', value: '1' }], { inputOffset: '1', changelog: {} });
        assert.equal(await store.get({ ...scope, partition: 4 }, 'op', 'a'), undefined);
        assert.equal(await store.get({ ...scope, topology: `${scope.topology}-x` }, 'op', 'a'), undefined);
        assert.equal(await store.readCheckpoint({ ...scope, partition: 4 }), undefined);
      }));
  });
}

test('redis store: applied state and checkpoint survive a restart of the server (AOF)', { timeout: 180_000 }, async () => {
  const scope = { topology: uniqueName('aof'), partition: 0 };
  let store = new RedisStateStore({ url: redisUrl });
  try {
    await store.apply(scope, [{ operator: 'op', key: 'a', value: '1' }], { inputOffset: '12', changelog: { op: '3' } });
    await store.close();
    await restartService('redis');
    store = new RedisStateStore({ url: redisUrl });
    assert.equal(await store.get(scope, 'op', 'a'), '1');
    assert.deepEqual(await store.readCheckpoint(scope), { inputOffset: '12', changelog: { op: '3' } });
  } finally {
    await store.close();
  }
});
