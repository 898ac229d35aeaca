/**
 * How to ask Redis whether n bits of one bitset are set, for the Redis state store's `testBits` (a Bloom filter asks
 * k = 7 bits per record; a batch of 500 records 3,500). Three ways, over a 10^8-bit string of random bits:
 *  - `pipeline`: n GETBIT commands in one pipeline (one round trip, n commands);
 *  - `bitfield`: one BITFIELD_RO command with n `GET u1 <offset>` operations;
 *  - `lua`: one script (EVALSHA), the offsets packed as u32 in one argument, GETBIT in a loop.
 * Prints the mean time per call and its ratio to `bitfield` in the same run. Needs a Redis (REDIS_URL, default
 * redis://127.0.0.1:6379); writes one key of its own and deletes it.
 *   nice -n 15 node --import tsx bench/redis-test-bits.ts [--rounds 200]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { packBitOffsets } from '../contracts/state-changelog.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);
const bits = 100_000_000;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const key = `weir-bench:{${randomUUID()}}:bits`;

const luaTest = `
local packed = ARGV[1]
local result = {}
for at = 2, #packed, 4 do result[#result + 1] = redis.call('GETBIT', KEYS[1], (struct.unpack('<I4', packed, at))) end
return result
`;

redis.defineCommand('testBitsArray', { numberOfKeys: 1, lua: luaTest });
const scripted = redis as Redis & { testBitsArray(key: string, packed: Buffer): Promise<number[]> };

const ways = {
  async pipeline(offsets) {
    const pipeline = redis.pipeline();
    for (const offset of offsets) pipeline.getbit(key, offset);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, bit]) => {
      if (error !== null) throw error;
      return bit === 1;
    });
  },
  async bitfield(offsets) {
    const args: (string | number)[] = [key];
    for (const offset of offsets) args.push('GET', 'u1', offset);
    return ((await redis.call('BITFIELD_RO', ...args)) as number[]).map((bit) => bit === 1);
  },
  async lua(offsets) {
    return (await scripted.testBitsArray(key, packBitOffsets(offsets))).map((bit) => bit === 1);
  },
} satisfies Record<string, (offsets: readonly number[]) => Promise<boolean[]>>;

try {
  await redis.set(key, randomBytes(bits / 8));
  console.log(`testBits on a ${bits}-bit string, ${rounds} calls per cell, mean ms per call (ratio to bitfield); machine shared`);
  for (const n of [7, 70, 700, 3_500]) {
    const calls = Array.from({ length: rounds }, () => Array.from({ length: n }, () => Math.floor(Math.random() * bits)));
    const expected = await ways.bitfield(calls[0] as number[]);
    const means: Record<string, number> = {};
    // Interleaved, twice, the first pass as warm-up: the machine's load moves every way alike.
    for (const pass of [0, 1]) {
      for (const [name, way] of Object.entries(ways)) {
        if (pass === 1 && JSON.stringify(await way(calls[0] as number[])) !== JSON.stringify(expected)) throw new Error(`${name} disagrees with bitfield`);
        const started = performance.now();
        for (const offsets of calls) await way(offsets);
        means[name] = (performance.now() - started) / rounds;
      }
    }
    const base = means.bitfield as number;
    console.log(`n=${String(n).padEnd(5)} ${Object.entries(means).map(([name, ms]) => `${name} ${ms.toFixed(3)} (${(ms / base).toFixed(2)}×)`).join('   ')}`);
  }
} finally {
  await redis.del(key);
  await redis.quit();
}
