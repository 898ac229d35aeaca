import { topicExists } from '../../connectors/kafka-admin.js';
import { createKafka } from '../../connectors/kafka-client.js';
import { cliLogger } from '../cli-logger.js';
import { brokerList, integerOption, parseCommandArgs, UsageError } from '../args.js';

/**
 * `weir create-topic <topic> --partitions N [--replication R] [--brokers …]`: creates an input topic.
 * Weir creates its output, dead-letter and changelog topics itself, but not its inputs: their partition
 * count is the topology's unit of parallelism, a choice for the user.
 */
export async function createTopic(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    positionals: ['topic'],
    options: { partitions: { type: 'string' }, replication: { type: 'string' }, brokers: { type: 'string' } },
  });
  const topic = positionals[0] as string;
  const partitions = integerOption('partitions', values.partitions);
  if (partitions === undefined || partitions < 1) throw new UsageError('--partitions expects a positive integer (the most workers that can share the topic)');
  const replicationFactor = integerOption('replication', values.replication) ?? 1;
  const kafka = createKafka({ brokers: brokerList(values.brokers), clientId: 'weir-cli', logger: cliLogger() });
  if (await topicExists(kafka, topic)) {
    process.stderr.write(`topic '${topic}' exists already; nothing changed\n`);
    return 1;
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor }] });
  } finally {
    await admin.disconnect();
  }
  process.stdout.write(`created ${topic} (${partitions} partitions, replication ${replicationFactor})\n`);
  return 0;
}
