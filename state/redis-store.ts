import { Redis } from 'ioredis';
import { StateError } from '../contracts/errors.js';
import { checkpointKey, operatorStateKey } from './redis-keys.js';
import type { Checkpoint, PartitionScope, StateMutation, StateStore } from './state-store.js';

/**
 * Applies a batch atomically unless a checkpoint at or past it is already stored (then a stale owner is writing).
 * Offsets are decimal strings compared by length, then as text: exact for any 64-bit offset, where Lua's numbers
 * (doubles) are not.
 * KEYS[1] checkpoint hash, KEYS[2..] operator hashes.
 * ARGV: inputOffset, changelogCount, (operator, offset)*, mutationCount, (keyIndex, field, isDelete, value)*
 */
const applyScript = `
local stored = redis.call('HGET', KEYS[1], 'input')
local incoming = ARGV[1]
if stored and (#stored > #incoming or (#stored == #incoming and stored >= incoming)) then return 0 end
local i = 2
local changelogCount = tonumber(ARGV[i]); i = i + 1
for _ = 1, changelogCount do
  redis.call('HSET', KEYS[1], 'changelog:' .. ARGV[i], ARGV[i + 1]); i = i + 2
end
local mutationCount = tonumber(ARGV[i]); i = i + 1
for _ = 1, mutationCount do
  local key = KEYS[tonumber(ARGV[i])]
  if ARGV[i + 2] == '1' then redis.call('HDEL', key, ARGV[i + 1]) else redis.call('HSET', key, ARGV[i + 1], ARGV[i + 3]) end
  i = i + 4
end
redis.call('HSET', KEYS[1], 'input', ARGV[1])
return 1
`;

type RedisWithApply = Redis & {
  weirApply(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
};

export interface RedisStateStoreOptions {
  url: string;
  /** Called for every round trip, for the state-operations metric. */
  onOperation?: (operation: 'get' | 'apply' | 'checkpoint') => void;
  /** Connection errors; ioredis reconnects by itself, and commands fail with StateError meanwhile. */
  onConnectionError?: (error: Error) => void;
}

export class RedisStateStore implements StateStore {
  private readonly redis: RedisWithApply;
  private readonly onOperation: (operation: 'get' | 'apply' | 'checkpoint') => void;

  constructor(options: RedisStateStoreOptions) {
    const redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    redis.defineCommand('weirApply', { lua: applyScript });
    redis.on('error', options.onConnectionError ?? (() => undefined));
    this.redis = redis as RedisWithApply;
    this.onOperation = options.onOperation ?? (() => undefined);
  }

  async get(scope: PartitionScope, operator: string, key: string): Promise<string | undefined> {
    this.onOperation('get');
    try {
      return (await this.redis.hget(operatorStateKey(scope, operator), key)) ?? undefined;
    } catch (cause) {
      throw new StateError(`redis read of ${operator}/${key} failed`, { cause, context: { topology: scope.topology, partition: scope.partition, operator } });
    }
  }

  async readCheckpoint(scope: PartitionScope): Promise<Checkpoint | undefined> {
    this.onOperation('checkpoint');
    const fields = await this.redis.hgetall(checkpointKey(scope));
    const inputOffset = fields.input;
    if (inputOffset === undefined) return undefined;
    const changelog: Record<string, string> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('changelog:')) changelog[field.slice('changelog:'.length)] = value;
    }
    return { inputOffset, changelog };
  }

  async apply(scope: PartitionScope, mutations: readonly StateMutation[], checkpoint: Checkpoint): Promise<boolean> {
    this.onOperation('apply');
    const keys = [checkpointKey(scope)];
    const keyIndex = new Map<string, number>();
    const args: string[] = [checkpoint.inputOffset];
    const changelog = Object.entries(checkpoint.changelog);
    args.push(String(changelog.length));
    for (const [operator, offset] of changelog) args.push(operator, offset);
    args.push(String(mutations.length));
    for (const mutation of mutations) {
      let index = keyIndex.get(mutation.operator);
      if (index === undefined) {
        keys.push(operatorStateKey(scope, mutation.operator));
        index = keys.length;
        keyIndex.set(mutation.operator, index);
      }
      args.push(String(index), mutation.key, mutation.value === null ? '1' : '0', mutation.value ?? '');
    }
    try {
      return (await this.redis.weirApply(keys.length, ...keys, ...args)) === 1;
    } catch (cause) {
      throw new StateError('redis apply failed', { cause, context: { topology: scope.topology, partition: scope.partition } });
    }
  }

  async entries(scope: PartitionScope, operator: string): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(operatorStateKey(scope, operator))));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
