import { Redis } from 'ioredis';
import { StateError } from '../contracts/errors.js';
import { packBitOffsets } from '../contracts/state-changelog.js';
import { bitsetKey, checkpointKey, stateKey, stateKeyPattern, stateKeyPrefix } from './redis-keys.js';
import type { Checkpoint, PartitionScope, StateMutation, StateStore } from './state-store.js';

/**
 * Applies a batch atomically unless a checkpoint at or past it is already stored (then a stale owner is writing).
 * Offsets are decimal strings compared by length, then as text: exact for any 64-bit offset, where Lua's numbers
 * (doubles) are not. A put whose expiry (epoch ms, on the server's clock) has passed deletes its key.
 * KEYS[1] the checkpoint hash, KEYS[2..] one key per mutation, in order.
 * A checkpoint is after the stored one when its offset is, or the offsets are equal and its tick is (a batch that only
 * fired timers commits at the same offset).
 * ARGV: inputOffset, watermark ('' when none), changelogCount, (step, offset)*, tick, then per mutation
 *   'p', value, expiresAt ('' when none) | 'd' | 'b', offsets packed by packBitOffsets (a tag byte, then u32 LE).
 */
const applyScript = `
local checkpoint = KEYS[1]
local incoming = ARGV[1]
local stored = redis.call('HGET', checkpoint, 'input')
local tick = tonumber(ARGV[4 + 2 * tonumber(ARGV[3])])
if stored then
  if #stored > #incoming or (#stored == #incoming and stored > incoming) then return 0 end
  if stored == incoming and tonumber(redis.call('HGET', checkpoint, 'tick') or '0') >= tick then return 0 end
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  redis.call('HSET', checkpoint, 'changelog:' .. ARGV[i], ARGV[i + 1])
  i = i + 2
end
i = i + 1
for k = 2, #KEYS do
  local kind = ARGV[i]
  if kind == 'p' then
    local expiresAt = ARGV[i + 2]
    if expiresAt == '' then
      redis.call('SET', KEYS[k], ARGV[i + 1])
    elseif tonumber(expiresAt) > now then
      redis.call('SET', KEYS[k], ARGV[i + 1], 'PXAT', expiresAt)
    else
      redis.call('DEL', KEYS[k])
    end
    i = i + 3
  elseif kind == 'd' then
    redis.call('DEL', KEYS[k])
    i = i + 1
  else
    local packed = ARGV[i + 1]
    for at = 2, #packed, 4 do redis.call('SETBIT', KEYS[k], (struct.unpack('<I4', packed, at)), 1) end
    i = i + 2
  end
end
if ARGV[2] ~= '' then redis.call('HSET', checkpoint, 'watermark', ARGV[2]) end
redis.call('HSET', checkpoint, 'input', incoming, 'tick', tick)
return 1
`;

type RedisWithApply = Redis & {
  weirApply(numberOfKeys: number, ...keysAndArgs: (string | Buffer)[]): Promise<number>;
};

export type StateOperation = 'get' | 'test-bits' | 'apply' | 'checkpoint' | 'entries';

export interface RedisStateStoreOptions {
  url: string;
  /** Called for every round trip, for the state-operations metric. */
  onOperation?: (operation: StateOperation) => void;
  /** Connection errors; ioredis reconnects by itself, and commands fail with StateError meanwhile. */
  onConnectionError?: (error: Error) => void;
}

/** How many keys one MGET of `entries` asks for. */
const entriesPage = 1_000;

/** Operator state in Redis: one string per state key, one per bitset, a checkpoint hash per partition (redis-keys.ts). */
export class RedisStateStore implements StateStore {
  private readonly redis: RedisWithApply;
  private readonly onOperation: (operation: StateOperation) => void;

  constructor(options: RedisStateStoreOptions) {
    const redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    redis.defineCommand('weirApply', { lua: applyScript });
    redis.on('error', options.onConnectionError ?? (() => undefined));
    this.redis = redis as RedisWithApply;
    this.onOperation = options.onOperation ?? (() => undefined);
  }

  get(scope: PartitionScope, operator: string, key: string): Promise<Buffer | undefined> {
    return this.run('get', scope, `read of ${operator}/${key}`, async () => (await this.redis.getBuffer(stateKey(scope, operator, key))) ?? undefined);
  }

  /** One BITFIELD_RO with a `GET u1` per offset: as fast as a script and 3–6× faster than pipelined GETBITs (bench/redis-test-bits.ts). */
  testBits(scope: PartitionScope, operator: string, bitset: string, offsets: readonly number[]): Promise<boolean[]> {
    if (offsets.length === 0) return Promise.resolve([]);
    return this.run('test-bits', scope, `bit test of ${operator}/${bitset}`, async () => {
      const args: (string | number)[] = new Array(1 + 3 * offsets.length);
      args[0] = bitsetKey(scope, operator, bitset);
      for (let i = 0, at = 1; i < offsets.length; i++, at += 3) {
        args[at] = 'GET';
        args[at + 1] = 'u1';
        args[at + 2] = offsets[i] as number;
      }
      const bits = (await this.redis.call('BITFIELD_RO', args)) as number[];
      return bits.map((bit) => bit === 1);
    });
  }

  readCheckpoint(scope: PartitionScope): Promise<Checkpoint | undefined> {
    return this.run('checkpoint', scope, 'checkpoint read', async () => {
      const fields = await this.redis.hgetall(checkpointKey(scope));
      const inputOffset = fields.input;
      if (inputOffset === undefined) return undefined;
      const changelog: Record<string, string> = {};
      for (const [field, value] of Object.entries(fields)) {
        if (field.startsWith('changelog:')) changelog[field.slice('changelog:'.length)] = value;
      }
      const tick = Number(fields.tick ?? 0);
      return { inputOffset, changelog, ...(fields.watermark === undefined ? {} : { watermark: Number(fields.watermark) }), ...(tick > 0 ? { tick } : {}) };
    });
  }

  apply(scope: PartitionScope, mutations: readonly StateMutation[], checkpoint: Checkpoint): Promise<boolean> {
    const keys: string[] = [checkpointKey(scope)];
    const args: (string | Buffer)[] = [checkpoint.inputOffset, checkpoint.watermark === undefined ? '' : String(checkpoint.watermark)];
    const changelog = Object.entries(checkpoint.changelog);
    args.push(String(changelog.length));
    for (const [step, offset] of changelog) args.push(step, offset);
    args.push(String(checkpoint.tick ?? 0));
    for (const mutation of mutations) {
      switch (mutation.kind) {
        case 'put':
          keys.push(stateKey(scope, mutation.operator, mutation.key));
          args.push('p', mutation.value, mutation.expiresAt === undefined ? '' : String(mutation.expiresAt));
          break;
        case 'delete':
          keys.push(stateKey(scope, mutation.operator, mutation.key));
          args.push('d');
          break;
        case 'bits':
          keys.push(bitsetKey(scope, mutation.operator, mutation.key));
          args.push('b', packBitOffsets(mutation.offsets));
          break;
      }
    }
    return this.run('apply', scope, 'apply', async () => (await this.redis.weirApply(keys.length, ...keys, ...args)) === 1);
  }

  entries(scope: PartitionScope, operator: string): Promise<Map<string, Buffer>> {
    return this.run('entries', scope, `scan of ${operator}`, async () => {
      const prefix = stateKeyPrefix(scope, operator);
      const keys = new Set<string>();
      let cursor = '0';
      do {
        const [next, found] = await this.redis.scanBuffer(cursor, 'MATCH', stateKeyPattern(scope, operator), 'COUNT', entriesPage);
        cursor = next.toString();
        for (const key of found) keys.add(key.toString());
      } while (cursor !== '0');
      const entries = new Map<string, Buffer>();
      const all = [...keys];
      for (let start = 0; start < all.length; start += entriesPage) {
        const page = all.slice(start, start + entriesPage);
        const values = await this.redis.mgetBuffer(...page);
        for (const [index, value] of values.entries()) if (value !== null) entries.set((page[index] as string).slice(prefix.length), value);
      }
      return entries;
    });
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }

  /** One round trip, counted; a failure becomes a retriable StateError naming what and where. */
  private async run<T>(operation: StateOperation, scope: PartitionScope, what: string, body: () => Promise<T>): Promise<T> {
    this.onOperation(operation);
    try {
      return await body();
    } catch (cause) {
      throw new StateError(`redis ${what} failed: ${(cause as Error).message}`, { cause, context: { topology: scope.topology, partition: scope.partition } });
    }
  }
}
