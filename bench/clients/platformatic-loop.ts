import './node20-polyfills.js';
import { Consumer, Producer, type Message } from '@platformatic/kafka';
import { GroupCommitter } from './group-commit.js';
import type { InputRecord, Routed } from './route-edge-event.js';

/**
 * The raw consume → validate → transactional-produce loop on @platformatic/kafka (pure TypeScript), KIP-447
 * style: ONE transactional producer for the worker; `transaction.addConsumer(consumer)` then
 * `transaction.addOffset(message)` commits message.offset + 1 with the group generation and member id the
 * message was fetched under. The consumer is a Readable stream of single messages across partitions; the loop
 * buffers them, pauses the stream above `maxBuffered`, and commits what arrived since the last commit began.
 * InitProducerId (the fencing) runs at the first beginTransaction(), not at connect.
 */
export async function startPlatformaticLoop(options: {
  brokers: string[];
  inputTopic: string;
  group: string;
  maxBuffered: number;
  commitIntervalMs: number;
  route: (record: InputRecord) => Routed;
}): Promise<{ stop(): Promise<void> }> {
  const producer = new Producer({ clientId: 'raw-platformatic', bootstrapBrokers: options.brokers, transactionalId: `raw.${options.group}`, idempotent: true });
  const consumer = new Consumer({ clientId: 'raw-platformatic', bootstrapBrokers: options.brokers, groupId: options.group, autocommit: false, maxWaitTime: options.commitIntervalMs });
  const stream = await consumer.consume({ topics: [options.inputTopic], mode: 'committed', fallbackMode: 'earliest' });
  const committer = new GroupCommitter<Message>(async (routed, consumed) => {
    const transaction = await producer.beginTransaction();
    try {
      if (routed.length > 0) {
        await transaction.send({
          messages: routed.map((record) => ({
            topic: record.topic,
            key: record.key ?? undefined,
            value: record.value,
            // a Map of Buffers: a plain object's string keys reach the Buffer serializer and the send never settles
            headers: new Map(Object.entries(record.headers).map(([name, value]) => [Buffer.from(name), Buffer.from(value)])),
            timestamp: BigInt(record.timestamp),
          })),
        });
      }
      const last = new Map<string, Message>();
      for (const message of consumed) {
        const key = `${message.topic}:${message.partition}`;
        if ((last.get(key)?.offset ?? -1n) < message.offset) last.set(key, message);
      }
      await transaction.addConsumer(consumer);
      for (const message of last.values()) await transaction.addOffset(message);
      await transaction.commit();
    } catch (error) {
      await transaction.abort();
      throw error;
    }
  });
  let failure: unknown;
  stream.on('data', (message: Message) => {
    const routed = options.route({ topic: message.topic, partition: message.partition, offset: String(message.offset), key: message.key ?? null, value: message.value ?? null, timestamp: String(message.timestamp) });
    if (committer.backlog + 1 >= options.maxBuffered) stream.pause();
    committer.submit([routed], [message]).then(
      () => {
        if (stream.isPaused() && committer.backlog < options.maxBuffered) stream.resume();
      },
      (error: unknown) => {
        failure ??= error;
        stream.destroy(error as Error);
      },
    );
  });
  stream.on('error', (error) => {
    process.stderr.write(`platformatic loop failed: ${(failure ?? error) instanceof Error ? ((failure ?? error) as Error).stack : String(failure ?? error)}\n`);
    process.exit(1);
  });
  return {
    async stop() {
      await stream.close();
      await consumer.close();
      await producer.close();
    },
  };
}
