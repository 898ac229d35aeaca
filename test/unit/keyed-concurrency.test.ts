import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { mapAsyncByKey } from '../../operators/keyed-concurrency.js';

interface Item {
  key: string;
  seq: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('runs at most `concurrency` calls at once, one per key, and keeps each key in order', async () => {
  const items: Item[] = Array.from({ length: 60 }, (_, seq) => ({ key: `k${seq % 5}`, seq }));
  let active = 0;
  let peak = 0;
  const activeKeys = new Set<string>();
  const results = await lastValueFrom(
    from(items).pipe(
      mapAsyncByKey(
        (item) => item.key,
        async (item) => {
          assert.ok(!activeKeys.has(item.key), `two calls at once for ${item.key}`);
          activeKeys.add(item.key);
          active++;
          peak = Math.max(peak, active);
          await sleep((item.seq * 7) % 5);
          active--;
          activeKeys.delete(item.key);
          return item;
        },
        3,
      ),
      toArray(),
    ),
  );
  assert.equal(results.length, items.length);
  assert.equal(peak, 3);
  for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) {
    const seqs = results.filter((item) => item.key === key).map((item) => item.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `order of ${key}`);
  }
});

test('a slow key does not hold up the others', async () => {
  const items: Item[] = [{ key: 'slow', seq: 0 }, { key: 'fast', seq: 1 }, { key: 'fast', seq: 2 }];
  const results = await lastValueFrom(
    from(items).pipe(mapAsyncByKey((item) => item.key, async (item) => (await sleep(item.key === 'slow' ? 30 : 1), item.seq), 2), toArray()),
  );
  assert.deepEqual(results, [1, 2, 0]);
});

test('the first failure errors the stream', async () => {
  const run = lastValueFrom(
    from([1, 2, 3]).pipe(
      mapAsyncByKey(
        (value) => String(value),
        async (value) => {
          if (value === 2) throw new Error('boom');
          return value;
        },
        2,
      ),
      toArray(),
    ),
  );
  await assert.rejects(run, /boom/);
});

test('an empty input completes', async () => {
  assert.deepEqual(await lastValueFrom(from([] as number[]).pipe(mapAsyncByKey(() => null, async (value) => value, 4), toArray())), []);
});

test('a concurrency below 1 is refused at set-up', () => {
  assert.throws(() => mapAsyncByKey(() => null, async (value: number) => value, 0), RangeError);
});
