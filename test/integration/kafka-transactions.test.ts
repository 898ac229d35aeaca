/**
 * Kafka transactions against the local broker (deploy/local/stack up): the guarantees Weir's
 * exactly-once commit loop is built on. A committed batch is visible to read_committed consumers,
 * an aborted one is not (though it is in the log), and a second producer with the same
 * transactionalId fences the first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';

// The error classes are not visible as named ESM exports of the CommonJS package.
const { Kafka, KafkaJSProtocolError, Partitioners, logLevel } = kafkajs;

const broker = `127.0.0.1:${process.env['KAFKA_PORT'] || '9092'}`;

const kafka = new Kafka({
  clientId: 'weir-it-transactions',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3_000,
  requestTimeout: 10_000,
  retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
});

function transactionalProducer(transactionalId: string): Producer {
  return kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `done` holds for the values
 * seen so far, or fails after `timeoutMs`.
 */
async function readTopic(
  admin: Admin,
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted',
  done: (values: string[]) => boolean,
  timeoutMs = 20_000,
): Promise<string[]> {
  const groupId = `weir-it-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: isolation === 'read_uncommitted', maxWaitTimeInMs: 200 });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done(values)) {
      if (Date.now() > deadline) {
        assert.fail(`${isolation} consumer of ${topic}: condition not met within ${timeoutMs} ms, saw [${values.join(', ')}]`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return [...values];
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

/** The KafkaJSProtocolError in an error's cause chain (kafkajs wraps non-retriable errors). */
function protocolError(error: unknown): InstanceType<typeof KafkaJSProtocolError> | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
    if (e instanceof KafkaJSProtocolError) return e;
  }
  return undefined;
}

test('transactions: read_committed sees committed batches only; a new producer fences the old one', { timeout: 90_000 }, async () => {
  const run = randomUUID();
  const topic = `weir.it.transactions.${run}`;
  const transactionalId = `weir.it.transactions.${run}`;
  const admin = kafka.admin();
  const first = transactionalProducer(transactionalId);
  const second = transactionalProducer(transactionalId);
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 10_000,
    });
    assert.equal(created, true, `topic ${topic} should be new`);
    await first.connect();

    const committed = await first.transaction();
    await committed.send({ topic, messages: [{ value: 'c1' }, { value: 'c2' }, { value: 'c3' }] });
    await committed.commit();

    const aborted = await first.transaction();
    await aborted.send({ topic, messages: [{ value: 'a1' }, { value: 'a2' }] });
    await aborted.abort();

    const last = await first.transaction();
    await last.send({ topic, messages: [{ value: 'c4' }] });
    await last.commit();

    // The aborted records are in the log: a read_uncommitted consumer gets them.
    const everything = await readTopic(admin, topic, 'read_uncommitted', (v) => v.includes('c4'));
    assert.deepEqual(everything, ['c1', 'c2', 'c3', 'a1', 'a2', 'c4']);
    // read_committed skips them; c4 comes after them in the log, so nothing aborted can still arrive.
    const visible = await readTopic(admin, topic, 'read_committed', (v) => v.includes('c4'));
    assert.deepEqual(visible, ['c1', 'c2', 'c3', 'c4']);

    // Same transactionalId: InitProducerId bumps the epoch and fences the first producer.
    await second.connect();
    const current = await second.transaction();

    let fencedError: unknown;
    try {
      const zombie = await first.transaction();
      await zombie.send({ topic, messages: [{ value: 'zombie' }] });
      await zombie.commit();
    } catch (error) {
      fencedError = error;
    }
    assert.ok(fencedError, 'the fenced producer must not be able to write');
    const fenced = protocolError(fencedError);
    assert.ok(fenced, `expected a KafkaJSProtocolError in the cause chain, got ${String(fencedError)}`);
    assert.ok(
      ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'].includes(fenced.type),
      `expected INVALID_PRODUCER_EPOCH or PRODUCER_FENCED, got ${fenced.type}`,
    );

    await current.send({ topic, messages: [{ value: 'c5' }] });
    await current.commit();
    const afterFencing = await readTopic(admin, topic, 'read_committed', (v) => v.includes('c5'));
    assert.deepEqual(afterFencing, ['c1', 'c2', 'c3', 'c4', 'c5']);
  } finally {
    await Promise.allSettled([first.disconnect(), second.disconnect()]);
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  }
});
