import type { Kafka, Message, Producer } from 'kafkajs';
import type { InputRecord, Routed } from './clients/route-edge-event.js';

/**
 * The baseline Weir is measured against: a hand-written KafkaJS consume → transform → transactional-produce
 * loop, one transactional producer per input partition, committing every `maxRecords` records with the
 * input offsets in the transaction — what a team would write without an engine. KafkaJS 2.2.4 has no KIP-447
 * (sendOffsets takes a group id, not the consumer's generation), so each input partition needs its own
 * transactional id to be fenced on a rebalance.
 */
export async function startRawEosLoop(options: {
  kafka: Kafka;
  inputTopic: string;
  group: string;
  maxRecords: number;
  commitIntervalMs: number;
  /** Where each record goes (undefined: nowhere). */
  route: (record: InputRecord) => Routed | undefined;
}): Promise<{ stop(): Promise<void> }> {
  const { kafka, inputTopic, group, maxRecords } = options;
  const producers = new Map<number, Producer>();
  const producerFor = async (partition: number): Promise<Producer> => {
    let producer = producers.get(partition);
    if (producer === undefined) {
      producer = kafka.producer({ transactionalId: `raw.${group}.${partition}`, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      producers.set(partition, producer);
    }
    return producer;
  };
  const consumer = kafka.consumer({ groupId: group, readUncommitted: false, maxWaitTimeInMs: options.commitIntervalMs });
  await consumer.connect();
  await consumer.subscribe({ topics: [inputTopic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const producer = await producerFor(batch.partition);
      for (let start = 0; start < batch.messages.length; start += maxRecords) {
        const chunk = batch.messages.slice(start, start + maxRecords);
        const byTopic = new Map<string, Message[]>();
        for (const message of chunk) {
          const routed = options.route({ topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, timestamp: message.timestamp });
          if (routed === undefined) continue;
          const messages = byTopic.get(routed.topic) ?? [];
          messages.push({ key: routed.key, value: routed.value, headers: routed.headers, timestamp: routed.timestamp });
          byTopic.set(routed.topic, messages);
        }
        const last = chunk[chunk.length - 1];
        if (last === undefined) continue;
        const transaction = await producer.transaction();
        try {
          if (byTopic.size > 0) await transaction.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
          await transaction.sendOffsets({ consumerGroupId: group, topics: [{ topic: inputTopic, partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }] }] });
          await transaction.commit();
        } catch (error) {
          await transaction.abort();
          throw error;
        }
        resolveOffset(last.offset);
        await heartbeat();
      }
      resolveOffset(batch.lastOffset());
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await Promise.all([...producers.values()].map((producer) => producer.disconnect()));
    },
  };
}
