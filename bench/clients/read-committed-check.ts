import './node20-polyfills.js';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';

/**
 * Does each client's read_committed consumer return exactly the committed records? Three scenarios, each on
 * a fresh one-partition topic, every reader with the same fetch limit of 1 MiB per partition (a reader that
 * bounds its memory, as Weir's maxBatch.bytes does):
 * - out-of-order: transactional producers A, B, C write interleaved (A, B, C, then A again: offsets 0–3),
 *   abort B, then C, then A (markers 4–6), then D commits three records. The Fetch response lists the aborted
 *   transactions in marker order B(1), C(2), A(0).
 * - same-producer-twice: one producer aborts a transaction, aborts a second one, then commits: both aborted
 *   transactions carry the same producer id (what a retried batch of a per-partition producer looks like).
 * - marker-in-a-later-fetch: an aborted transaction of 3 MiB, so its abort marker is not in the first fetch
 *   response that holds its records.
 * A correct reader returns only the committed records (D1, D2, D3).
 *
 *   node --import tsx bench/clients/read-committed-check.ts
 */

const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
const kafka = new Kafka({ clientId: 'read-committed-check', brokers, logLevel: logLevel.NOTHING });
const expected = ['D1', 'D2', 'D3'];
const fetchBytes = 1_048_576;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function transactionalProducers(topic: string, names: readonly string[]): Promise<Record<string, Producer>> {
  return Object.fromEntries(
    await Promise.all(
      names.map(async (name) => {
        const producer = kafka.producer({ transactionalId: `${topic}.${name}`, idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return [name, producer] as const;
      }),
    ),
  );
}

async function commitExpected(producer: Producer, topic: string): Promise<void> {
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages: expected.map((value) => ({ value, partition: 0 })) });
  await transaction.commit();
}

const scenarios: Record<string, (topic: string) => Promise<void>> = {
  'out-of-order': async (topic) => {
    const producers = await transactionalProducers(topic, ['A', 'B', 'C', 'D']);
    const open = Object.fromEntries(await Promise.all(['A', 'B', 'C'].map(async (name) => [name, await producers[name]!.transaction()] as const)));
    for (const [name, value] of [['A', 'A1'], ['B', 'B1'], ['C', 'C1'], ['A', 'A2']] as const) await open[name]!.send({ topic, messages: [{ value, partition: 0 }] });
    for (const name of ['B', 'C', 'A']) await open[name]!.abort();
    await commitExpected(producers.D!, topic);
    await Promise.all(Object.values(producers).map((producer) => producer.disconnect()));
  },
  'same-producer-twice': async (topic) => {
    const { P: producer } = await transactionalProducers(topic, ['P']);
    for (const value of ['P1', 'P2']) {
      const transaction = await producer!.transaction();
      await transaction.send({ topic, messages: [{ value, partition: 0 }] });
      await transaction.abort();
    }
    await commitExpected(producer!, topic);
    await producer!.disconnect();
  },
  'marker-in-a-later-fetch': async (topic) => {
    const { P: producer } = await transactionalProducers(topic, ['P']);
    const transaction = await producer!.transaction();
    const big = Buffer.alloc(64 * 1024, 'x');
    for (let batch = 0; batch < 6; batch++) await transaction.send({ topic, messages: Array.from({ length: 8 }, () => ({ value: big, partition: 0 })) });
    await transaction.abort();
    await commitExpected(producer!, topic);
    await producer!.disconnect();
  },
};

/** Values a reader returns from the start of the topic, until 3 s pass with nothing new (20 s at most). */
async function collect(read: (onValue: (value: string) => void) => Promise<() => Promise<void>>): Promise<string[]> {
  const values: string[] = [];
  let last = Date.now();
  const stop = await read((value) => {
    values.push(value.length > 8 ? `<${value.length} bytes>` : value);
    last = Date.now();
  });
  const started = Date.now();
  while (Date.now() - last < 3_000 || (values.length === 0 && Date.now() - started < 20_000)) await sleep(200);
  await stop();
  return values;
}

/** `a, b×40, c`: runs of the same value counted. */
function collapse(values: readonly string[]): string {
  const runs: [string, number][] = [];
  for (const value of values) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === value) last[1]++;
    else runs.push([value, 1]);
  }
  return runs.map(([value, count]) => (count === 1 ? value : `${value}×${count}`)).join(', ');
}

const readers: Record<string, (topic: string, onValue: (value: string) => void) => Promise<() => Promise<void>>> = {
  // as installed: patch-package applies patches/kafkajs+2.2.4.patch (the aborted-transaction filter)
  'kafkajs 2.2.4 + patch': async (topic, onValue) => {
    const consumer = kafka.consumer({ groupId: `${topic}.kafkajs`, readUncommitted: false, maxBytesPerPartition: fetchBytes, maxBytes: fetchBytes });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => onValue(String(message.value)) });
    return () => consumer.disconnect();
  },
  '@confluentinc/kafka-javascript 1.10.1': async (topic, onValue) => {
    const { KafkaJS } = await import('@confluentinc/kafka-javascript');
    const client = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } });
    const consumer = client.consumer({ kafkaJS: { groupId: `${topic}.confluent`, fromBeginning: true, readUncommitted: false, maxBytesPerPartition: fetchBytes, maxBytes: fetchBytes } });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ eachMessage: async ({ message }) => onValue(String(message.value)) });
    return () => consumer.disconnect();
  },
  '@platformatic/kafka 2.12.1': async (topic, onValue) => {
    const { Consumer } = await import('@platformatic/kafka');
    const consumer = new Consumer({ clientId: 'read-committed-check', bootstrapBrokers: brokers, groupId: `${topic}.platformatic`, maxBytes: fetchBytes, maxBytesPerPartition: fetchBytes });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' }); // isolationLevel defaults to READ_COMMITTED
    stream.on('data', (message) => onValue(String(message.value)));
    return async () => {
      await stream.close();
      await consumer.close();
    };
  },
};

const admin = kafka.admin();
await admin.connect();
let failures = 0;
let runs = 0;
for (const [scenario, write] of Object.entries(scenarios)) {
  const topic = `read-committed-check-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  try {
    await write(topic);
    for (const [client, read] of Object.entries(readers)) {
      runs++;
      try {
        const values = await collect((onValue) => read(topic, onValue));
        const correct = values.join(',') === expected.join(',');
        if (!correct) failures++;
        console.log(`${scenario.padEnd(24)} ${client.padEnd(38)} ${correct ? 'correct' : 'WRONG  '} [${collapse(values)}]`);
      } catch (error) {
        failures++;
        console.log(`${scenario.padEnd(24)} ${client.padEnd(38)} FAILED  ${(error as Error).message}`);
      }
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] });
  }
}
await admin.disconnect();
console.log(`expected [${expected.join(', ')}] each time; ${failures} of ${runs} reads wrong`);
