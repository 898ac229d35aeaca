/**
 * Readiness probe of the local stack (deploy/local/stack): waits until a service really answers.
 *
 *   node --import tsx deploy/local/probe.ts <kafka|redis|neo4j|prometheus> [--timeout <seconds>] [--pid <pid>]
 *
 * - kafka: a metadata request answers and a transactional producer gets its producer id
 *   (InitProducerId through the transaction coordinator), so transactions work.
 * - redis: PING answers PONG.
 * - neo4j: `RETURN 1` over Bolt with the configured credentials.
 * - prometheus: `/-/ready` answers 200 (the configuration and its rule files are loaded by then).
 *
 * Retries until the deadline; gives up early when --pid exits or on an error no retry can fix
 * (wrong Neo4j password). Exit code 0 when ready, 1 otherwise, with the last error on stderr.
 * Ports and credentials come from the same environment variables as the stack script.
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

/** An error that retrying cannot fix: the probe stops at once. */
class FatalProbeError extends Error {
  override name = 'FatalProbeError';
}

const env = (name: string, fallback: string): string => process.env[name] || fallback;

/** Rejects when `promise` takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Each probe imports only its own client: the probes start next to busy JVMs, so load time counts.

async function probeKafka(): Promise<string> {
  const { Kafka, logLevel } = await import('kafkajs');
  const broker = `127.0.0.1:${env('KAFKA_PORT', '9092')}`;
  const kafka = new Kafka({
    clientId: 'weir-stack-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    transactionalId: 'weir.stack.readiness-probe',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no broker');
    await producer.connect();
    // transaction() runs InitProducerId for the transactional id; aborting an empty one sends nothing.
    const transaction = await producer.transaction();
    await transaction.abort();
    return `${broker}, cluster ${cluster.clusterId}, controller ${cluster.controller}`;
  } finally {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  }
}

async function probeRedis(): Promise<string> {
  const { Redis } = await import('ioredis');
  const port = Number(env('REDIS_PORT', '6379'));
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // reported through the rejected commands below
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return `127.0.0.1:${port}, redis ${version}`;
  } finally {
    redis.disconnect();
  }
}

async function probeNeo4j(): Promise<string> {
  const { default: neo4j } = await import('neo4j-driver');
  const url = `bolt://127.0.0.1:${env('NEO4J_BOLT_PORT', '7687')}`;
  const user = env('NEO4J_USER', 'neo4j');
  const driver = neo4j.driver(url, neo4j.auth.basic(user, env('NEO4J_PASSWORD', 'weir-local-password')), {
    connectionTimeout: 2_000,
    connectionAcquisitionTimeout: 5_000,
    maxConnectionPoolSize: 1,
  });
  try {
    const result = await driver.executeQuery('RETURN 1 AS one');
    const one = result.records[0]?.get('one');
    if (Number(one) !== 1) throw new Error(`RETURN 1 answered ${String(one)}`);
    return `${url}, neo4j ${result.summary.server.agent ?? 'unknown'}`;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code === 'Neo.ClientError.Security.Unauthorized' || code.startsWith('Neo.ClientError.Security.Credentials')) {
      throw new FatalProbeError(
        `user ${user} was refused (${code}): the data directory was initialised with another password. ` +
          'Set NEO4J_PASSWORD to that password, or stop Neo4j and delete its data directory to start afresh.',
      );
    }
    throw error;
  } finally {
    await driver.close();
  }
}

async function probePrometheus(): Promise<string> {
  const base = `http://127.0.0.1:${env('PROMETHEUS_PORT', '9090')}`;
  const ready = await fetch(`${base}/-/ready`);
  if (!ready.ok) throw new Error(`${base}/-/ready answered ${ready.status}`);
  const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data?: { groups?: unknown[] } };
  const build = (await (await fetch(`${base}/api/v1/status/buildinfo`)).json()) as { data?: { version?: string } };
  return `${base}, prometheus ${build.data?.version ?? 'unknown'}, ${rules.data?.groups?.length ?? 0} rule groups`;
}

const probes: Record<string, () => Promise<string>> = {
  kafka: probeKafka,
  redis: probeRedis,
  neo4j: probeNeo4j,
  prometheus: probePrometheus,
};

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { timeout: { type: 'string', default: '120' }, pid: { type: 'string' } },
  });
  const service = positionals[0] ?? '';
  const probe = probes[service];
  if (!probe) {
    console.error(`usage: probe.ts <${Object.keys(probes).join('|')}> [--timeout <seconds>] [--pid <pid>]`);
    return 2;
  }
  const pid = values.pid === undefined ? undefined : Number(values.pid);
  const started = Date.now();
  const deadline = started + Number(values.timeout) * 1_000;
  let lastError = 'no attempt made';
  for (;;) {
    const remaining = deadline - Date.now();
    try {
      const detail = await withTimeout(probe(), Math.max(1_000, Math.min(15_000, remaining)), service);
      console.error(`[stack] ${service}: ready in ${((Date.now() - started) / 1_000).toFixed(1)}s (${detail})`);
      return 0;
    } catch (error) {
      lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (error instanceof FatalProbeError) break;
    }
    if (pid !== undefined && !processAlive(pid)) {
      lastError = `the process (pid ${pid}) exited; last probe error: ${lastError}`;
      break;
    }
    if (Date.now() + 500 >= deadline) {
      lastError = `not ready after ${values.timeout}s; last probe error: ${lastError}`;
      break;
    }
    await sleep(500);
  }
  console.error(`[stack] ${service}: ${lastError}`);
  return 1;
}

// exit() rather than exitCode: a client left half-connected by a timed-out attempt must not keep the probe alive.
process.exit(await main());
