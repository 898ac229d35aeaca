import type { Kafka, Producer } from 'kafkajs';

/**
 * The baseline Weir is measured against: a hand-written KafkaJS consume → transform → transactional-produce
 * loop, one transactional producer per input partition, committing every `maxRecords` records with the
 * input offsets in the transaction — what a team would write without an engine.
 */
export async function startRawEosLoop(options: {
  kafka: Kafka;
  inputTopic: string;
  outputTopic: string;
  group: string;
  maxRecords: number;
  commitIntervalMs: number;
  transform: (value: Buffer) => Buffer | undefined;
}): Promise<{ stop(): Promise<void> }> {
  const { kafka, inputTopic, outputTopic, group, maxRecords } = options;
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
        const messages = [];
        for (const message of chunk) {
          const value = message.value === null ? undefined : options.transform(message.value);
          if (value !== undefined) messages.push({ key: message.key, value, timestamp: message.timestamp });
        }
        const last = chunk[chunk.length - 1];
        if (last === undefined) continue;
        const transaction = await producer.transaction();
        try {
          if (messages.length > 0) await transaction.send({ topic: outputTopic, messages, acks: -1 });
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
