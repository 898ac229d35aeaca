import { KafkaJS } from '@confluentinc/kafka-javascript';
import { GroupCommitter } from './group-commit.js';
import type { InputRecord, Routed } from './route-edge-event.js';

/**
 * The raw consume → validate → transactional-produce loop on @confluentinc/kafka-javascript (librdkafka),
 * through its KafkaJS-compatible API, KIP-447 style: ONE transactional producer for the worker, offsets sent
 * with the consumer's group metadata (`sendOffsets({ consumer })`), so a zombie is fenced by the group
 * generation, not by a transactional id per partition. `connect()` runs InitTransactions: the previous
 * producer with this id is fenced before the first record is read.
 */
export async function startConfluentLoop(options: {
  brokers: string[];
  inputTopic: string;
  group: string;
  maxRecords: number;
  commitIntervalMs: number;
  route: (record: InputRecord) => Routed;
}): Promise<{ stop(): Promise<void> }> {
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: options.brokers, logLevel: KafkaJS.logLevel.WARN } });
  const producer = kafka.producer({ kafkaJS: { transactionalId: `raw.${options.group}`, idempotent: true } });
  await producer.connect();
  const consumer = kafka.consumer({
    kafkaJS: { groupId: options.group, fromBeginning: true, autoCommit: false, readUncommitted: false, maxWaitTimeInMs: options.commitIntervalMs },
    'js.consumer.max.batch.size': options.maxRecords,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [options.inputTopic] });
  type Position = { topic: string; partition: number; offset: string };
  const committer = new GroupCommitter<Position>(async (routed, positions) => {
    const transaction = await producer.transaction();
    try {
      const byTopic = new Map<string, KafkaJS.Message[]>();
      for (const record of routed) {
        const messages = byTopic.get(record.topic) ?? [];
        messages.push({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp });
        byTopic.set(record.topic, messages);
      }
      const sent = transaction.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      const latest = new Map<string, Position>();
      for (const position of positions) latest.set(`${position.topic}:${position.partition}`, position);
      const topics = [...new Set([...latest.values()].map((position) => position.topic))].map((topic) => ({
        topic,
        partitions: [...latest.values()].filter((position) => position.topic === topic).map(({ partition, offset }) => ({ partition, offset })),
      }));
      // the offsets go while the records are in flight; commit() comes after both are acknowledged
      await Promise.all([sent, transaction.sendOffsets({ consumer, topics })]);
      await transaction.commit();
    } catch (error) {
      await transaction.abort();
      throw error;
    }
  });
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const last = batch.messages[batch.messages.length - 1];
      if (last === undefined) return;
      const routed = batch.messages.map((message) =>
        options.route({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key ?? null, value: message.value ?? null, timestamp: message.timestamp }),
      );
      await committer.submit(routed, [{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
