import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readChangelogTail } from '../../connectors/changelog-reader.js';
import { prepareTopics } from '../../connectors/kafka-admin.js';
import { transactionalId } from '../../contracts/names.js';
import { testTopicPlan } from '../support/topic-plan.js';
import { createKafka } from '../../connectors/kafka-client.js';
import { TransactionalSink } from '../../connectors/kafka-sink.js';
import { silentLogger } from '../../contracts/logger.js';
import { changelogMessages, maxStateValueBytes } from '../../contracts/state-changelog.js';
import type { PartitionScope, StateMutation } from '../../contracts/state.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { stateKey } from '../../state/redis-keys.js';
import { recoverPartition } from '../../state/recovery.js';
import { RedisStateStore } from '../../state/redis-store.js';
import { writeInterleavedAborts } from '../support/interleaved-aborts.js';
import { brokers, createTopic, deletePartitionKeys, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * Recovery from the changelog on the real Kafka and Redis: what the transactional sink writes (puts with TTLs,
 * deletes, bits) is what recovery applies, aborted transactions are never replayed, and the checkpoint's changelog
 * offset is right when one commit's changelog records take several produce requests.
 */

const services = servicesForFile();
const rememberTopology = fileURLToPath(new URL('../fixtures/topologies/remember.yaml', import.meta.url));
const hour = 3_600_000;

/** Recovers a fresh scope from `topic` (one stateful step, `op`), as a worker would after a wiped Redis. */
async function recoverInto(store: RedisStateStore, scope: PartitionScope, topic: string, committedOffset: string): Promise<void> {
  const outcome = await recoverPartition({ store, scope, statefulSteps: ['op'], committed: { inputOffset: committedOffset }, readTail: (_step, from) => readChangelogTail(services.kafka, services.admin, topic, 0, from) });
  assert.equal(outcome.replayed, true);
}

test('aborted changelog transactions interleaved with committed ones are not replayed: puts with TTLs and bits', { timeout: 120_000 }, async () => {
  const name = uniqueName('changelog-aborts');
  const topic = `weir.${name}.op.changelog`;
  await createTopic(services.admin, topic, 1);
  const expiresAt = Date.now() + hour;
  // Aborted records set 100…104 (a), 200, 201 (b), 300, 301 (c); the committed ones 1,000, 1,011, 1,022.
  const bitOf = (recordName: string, seq: number): number => (recordName.startsWith('d') ? 1_000 + 11 * seq : ({ a: 100, b: 200, c: 300 }[recordName] as number) + seq);
  const committedPuts = await writeInterleavedAborts(services.kafka, topic, (recordName, seq) => changelogMessages({ kind: 'put', operator: 'op', key: `k-${recordName}`, value: Buffer.from([seq, 0, 255]), expiresAt }, '0')[0] as { key: string; value: Buffer });
  await writeInterleavedAborts(services.kafka, topic, (recordName, seq) => changelogMessages({ kind: 'bits', operator: 'op', key: 'bloom', offsets: [bitOf(recordName, seq)] }, `${recordName}.${seq}`)[0] as { key: string; value: Buffer });
  const store = new RedisStateStore({ url: redisUrl });
  const scope = { topology: name, partition: 0 };
  try {
    await recoverInto(store, scope, topic, '1');
    const restored = await store.entries(scope, 'op');
    assert.deepEqual([...restored.keys()].sort(), committedPuts.map((key) => `k-${key}`));
    assert.deepEqual(restored.get('k-d1'), Buffer.from([1, 0, 255]));
    assert.equal(await services.redis.pexpiretime(stateKey(scope, 'op', 'k-d1')), expiresAt, 'the TTL is the absolute expiry the record carries');
    const probe = [100, 101, 102, 103, 104, 200, 201, 300, 301, 1_000, 1_011, 1_022, 1_001, 1_002];
    assert.deepEqual(await store.testBits(scope, 'op', 'bloom', probe), probe.map((bit) => bit === 1_000 || bit === 1_011 || bit === 1_022), 'only the committed bits');
  } finally {
    await deletePartitionKeys(services.redis, scope);
    await store.close();
    await services.admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
  }
});

test("the sink's changelog restores values, deletes, TTLs and bits; a put whose TTL has passed stays gone", { timeout: 120_000 }, async () => {
  const { sink, topology, store, cleanUp } = await sinkFor('changelog-sink');
  const rebuilt = { topology: `${topology.name}-rebuilt`, partition: 0 };
  try {
    const later = Date.now() + hour;
    const value = (text: string): Buffer => Buffer.from(text);
    const batches: StateMutation[][] = [
      [
        { kind: 'put', operator: 'remember', key: 'kept', value: value('k1') },
        { kind: 'put', operator: 'remember', key: 'deleted', value: value('d') },
        { kind: 'put', operator: 'remember', key: 'ttl', value: value('t'), expiresAt: later },
        { kind: 'put', operator: 'remember', key: 'short', value: value('s'), expiresAt: Date.now() + 1_500 },
        { kind: 'bits', operator: 'remember', key: 'bloom', offsets: [5, 99_999_999] },
      ],
      [
        { kind: 'put', operator: 'remember', key: 'kept', value: value('k2') },
        { kind: 'delete', operator: 'remember', key: 'deleted' },
        { kind: 'bits', operator: 'remember', key: 'bloom', offsets: [6, 5] },
        { kind: 'bits', operator: 'remember', key: 'other', offsets: [1] },
      ],
    ];
    let changelog: Record<string, string> = {};
    for (const [index, mutations] of batches.entries()) ({ changelog } = await sink.commit({ outputs: new Map(), mutations, nextOffset: String(index + 1), tick: 0, internal: [] }));
    // Past the short TTL: the record still says `short`, with an expiry that has passed.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const outcome = await recoverPartition({ store, scope: rebuilt, statefulSteps: ['remember'], committed: { inputOffset: '2' }, readTail: (step, from) => readChangelogTail(services.kafka, services.admin, `weir.${topology.name}.${step}.changelog`, 0, from) });
    assert.equal(outcome.replayed, true);
    const entries = await store.entries(rebuilt, 'remember');
    assert.deepEqual(new Map([...entries].map(([key, bytes]) => [key, bytes.toString()])), new Map([['kept', 'k2'], ['ttl', 't']]));
    assert.equal(await services.redis.pexpiretime(stateKey(rebuilt, 'remember', 'ttl')), later);
    assert.equal(await services.redis.pexpiretime(stateKey(rebuilt, 'remember', 'kept')), -1, 'no TTL');
    assert.deepEqual(await store.testBits(rebuilt, 'remember', 'bloom', [4, 5, 6, 7, 99_999_999]), [false, true, true, false, true]);
    assert.deepEqual(await store.testBits(rebuilt, 'remember', 'other', [0, 1]), [false, true]);
    assert.deepEqual(await store.readCheckpoint(rebuilt), { inputOffset: '2', changelog: { remember: changelog.remember } });
  } finally {
    await deletePartitionKeys(services.redis, rebuilt);
    await cleanUp();
  }
});

test("one commit's changelog records split over several produce requests: the checkpoint names the last one", { timeout: 120_000 }, async () => {
  const { sink, topology, cleanUp } = await sinkFor('changelog-rounds');
  try {
    // Three values of about 3/4 of a record each: no two fit one produce request to the changelog topic.
    const big = (seq: number): StateMutation => ({ kind: 'put', operator: 'remember', key: `big-${seq}`, value: Buffer.alloc(Math.floor(maxStateValueBytes(`big-${seq}`) * 0.75), seq) });
    const first = await sink.commit({ outputs: new Map(), mutations: [{ kind: 'put', operator: 'remember', key: 'small', value: Buffer.from('s') }], nextOffset: '1', tick: 0, internal: [] });
    const second = await sink.commit({ outputs: new Map(), mutations: [big(1), big(2), big(3), { kind: 'bits', operator: 'remember', key: 'bloom', offsets: [1] }], nextOffset: '2', tick: 0, internal: [] });
    const tail = await readChangelogTail(services.kafka, services.admin, `weir.${topology.name}.remember.changelog`, 0, BigInt(first.changelog.remember as string) + 1n);
    assert.equal(String(tail.lastOffset), second.changelog.remember, 'the offset of the last record of the commit');
    assert.deepEqual([...tail.values.keys()], ['big-1', 'big-2', 'big-3']);
    assert.deepEqual(tail.values.get('big-3')?.value.subarray(0, 4), Buffer.from([3, 3, 3, 3]));
    assert.deepEqual(tail.bits, new Map([['bloom', [1]]]));
  } finally {
    await cleanUp();
  }
});

/** A transactional sink of a fresh `remember` topology's partition 0, with its topics created. */
async function sinkFor(prefix: string) {
  const name = uniqueName(prefix);
  const topology = await loadTopology(rememberTopology, { env: { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, REDIS_URL: redisUrl } });
  await createTopic(services.admin, topology.source.kafka.topic, 1);
  const kafka = createKafka({ brokers, clientId: name, logger: silentLogger });
  const layout = await prepareTopics(kafka, topology, testTopicPlan(topology));
  const sink = new TransactionalSink(kafka, topology, layout, 0, { sourceTopic: topology.source.kafka.topic, transactionalId: transactionalId(topology, 0), group: `weir.${name}` });
  await sink.connect();
  const store = new RedisStateStore({ url: redisUrl });
  return {
    sink,
    topology,
    store,
    async cleanUp() {
      await sink.close();
      await store.close();
      await services.admin.deleteTopics({ topics: [`${name}.in`, `${name}.out`, `${name}.dlq`, `weir.${name}.remember.changelog`], timeout: 10_000 }).catch(() => undefined);
    },
  };
}
