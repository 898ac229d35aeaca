/**
 * Redis as Weir's state store, against the local server (deploy/local/stack up): MULTI/EXEC is
 * atomic and WATCH detects a concurrent writer, a Lua script applies state and checkpoint in one
 * step, and the data survives a restart of the server (AOF).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const port = Number(process.env['REDIS_PORT'] || '6379');
const stackScript = fileURLToPath(new URL('../../deploy/local/stack', import.meta.url));

function client(): Redis {
  return new Redis({ host: '127.0.0.1', port, connectTimeout: 3_000, maxRetriesPerRequest: 1, lazyConnect: true });
}

/** Runs `deploy/local/stack <args>` (bounded), failing with its output when it fails. */
async function stack(...args: string[]): Promise<void> {
  try {
    await promisify(execFile)('bash', [stackScript, ...args], { timeout: 120_000, env: process.env });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`stack ${args.join(' ')} failed: ${String(error)}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

async function runId(redis: Redis): Promise<string> {
  const id = /run_id:(\w+)/.exec(await redis.info('server'))?.[1];
  assert.ok(id, 'INFO server has a run_id');
  return id;
}

// Compare-and-apply, the shape of Weir's state apply step: the changes and the changelog
// checkpoint are written together, and only when the checkpoint moves forward.
const APPLY = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local next = tonumber(ARGV[1])
if next <= current then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

test('MULTI/EXEC applies all commands at once, and WATCH aborts on a concurrent write', { timeout: 30_000 }, async () => {
  const prefix = `weir:it:${randomUUID()}:`;
  const redis = client();
  const other = client();
  try {
    await Promise.all([redis.connect(), other.connect()]);
    const results = await redis
      .multi()
      .set(`${prefix}a`, 'one')
      .incrby(`${prefix}counter`, 5)
      .hset(`${prefix}hash`, { field: 'value' })
      .exec();
    assert.deepEqual(results, [
      [null, 'OK'],
      [null, 5],
      [null, 1],
    ]);
    assert.equal(await redis.get(`${prefix}a`), 'one');

    await redis.watch(`${prefix}counter`);
    await other.incrby(`${prefix}counter`, 1); // a concurrent writer touches the watched key
    const aborted = await redis.multi().incrby(`${prefix}counter`, 100).exec();
    assert.equal(aborted, null, 'EXEC must be refused after a watched key changed');
    assert.equal(await redis.get(`${prefix}counter`), '6');
  } finally {
    const keys = await redis.keys(`${prefix}*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    other.disconnect();
  }
});

test('a Lua script applies state with its checkpoint; the data survives a restart (AOF)', { timeout: 180_000 }, async () => {
  const prefix = `weir:it:${randomUUID()}:`;
  const checkpoint = `${prefix}checkpoint`;
  const state = `${prefix}state`;
  let redis = client();
  try {
    await redis.connect();
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as [string, string];
    assert.equal(appendonly, 'yes', 'the local Redis must run with appendonly yes');

    assert.equal(await redis.eval(APPLY, 2, checkpoint, state, '10', 'user:1', 'alice'), 1);
    assert.equal(await redis.eval(APPLY, 2, checkpoint, state, '7', 'user:1', 'stale'), 0, 'an older checkpoint is refused');
    assert.equal(await redis.eval(APPLY, 2, checkpoint, state, '12', 'user:2', 'bob'), 1);
    assert.equal(await redis.get(checkpoint), '12');
    assert.deepEqual(await redis.hgetall(state), { 'user:1': 'alice', 'user:2': 'bob' });

    const before = await runId(redis);
    redis.disconnect();
    await stack('down', 'redis');
    await stack('up', 'redis');
    redis = client();
    await redis.connect();
    assert.notEqual(await runId(redis), before, 'Redis must really have restarted');

    assert.equal(await redis.get(checkpoint), '12');
    assert.deepEqual(await redis.hgetall(state), { 'user:1': 'alice', 'user:2': 'bob' });
  } finally {
    await redis.del(checkpoint, state).catch(() => undefined);
    redis.disconnect();
  }
});
