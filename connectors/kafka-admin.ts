import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { ConnectorError } from '../contracts/errors.js';
import { retry } from '../contracts/retry.js';
import { changelogTopic } from '../contracts/names.js';
import { changelogMaxMessageBytes } from '../contracts/state-changelog.js';
import type { Topology } from '../contracts/topology.js';

/**
 * What a topology needs beyond its input and outputs: the repartition topics its key-by steps write (partitions when
 * Weir creates them; the input's count by default), and the changelog of each stateful step with the topic its task
 * reads (a changelog has as many partitions as that topic).
 */
export interface TopicPlan {
  readonly repartitions: readonly { readonly topic: string; readonly partitions: number | undefined }[];
  readonly changelogs: readonly { readonly stepId: string; readonly sourceTopic: string }[];
}

/** Partition counts and record size limits of the topics a topology writes to, after creating the missing ones. */
export interface TopicLayout {
  readonly inputPartitions: number;
  /** Partitions of every topic it writes or reads beside its input (outputs, repartition topics, changelogs), by topic. */
  readonly outputPartitions: ReadonlyMap<string, number>;
  /** `max.message.bytes` of each output, repartition and changelog topic: the largest record batch the broker accepts. */
  readonly maxMessageBytes: ReadonlyMap<string, number>;
}

/** Room for the `weir.*` headers of a dead letter above the input topic's record size limit. */
const deadLetterHeadroom = 64 * 1024;

/** Kafka's default `message.max.bytes`, for a topic whose setting could not be read. */
export const defaultMaxMessageBytes = 1_048_588;

/**
 * Checks the input topic exists and creates missing output, dead-letter and changelog topics
 * (outputs default to the input's partition count; changelogs always match it, compacted).
 */
export async function prepareTopics(kafka: Kafka, topology: Topology, plan: TopicPlan): Promise<TopicLayout> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const input = topology.source.kafka.topic;
    const existing = new Set(await admin.listTopics());
    if (!existing.has(input)) {
      throw new ConnectorError(`input topic '${input}' does not exist; create it (Weir does not guess its partition count)`, { context: { topology: topology.name, topic: input } });
    }
    const inputPartitions = (await partitionCounts(admin, [input])).get(input) as number;
    const wanted = new Map<string, { numPartitions: number; configEntries?: { name: string; value: string }[] }>();
    for (const [name, output] of Object.entries(topology.outputs)) {
      wanted.set(output.kafka.topic, { numPartitions: output.kafka.partitions ?? inputPartitions });
      if (name === 'rejected' && !existing.has(output.kafka.topic)) {
        // A dead letter is an input record plus its reason headers: the largest input must fit, with room for them.
        const inputMax = (await maxMessageSizes(admin, [input])).get(input) ?? defaultMaxMessageBytes;
        wanted.set(output.kafka.topic, { numPartitions: output.kafka.partitions ?? inputPartitions, configEntries: [{ name: 'max.message.bytes', value: String(inputMax + deadLetterHeadroom) }] });
      }
    }
    // Repartition topics first: the changelogs of the steps after a key-by follow their partition count.
    const sourcePartitions = new Map<string, number>([[input, inputPartitions]]);
    for (const { topic, partitions } of plan.repartitions) {
      const count = existing.has(topic) ? ((await partitionCounts(admin, [topic])).get(topic) as number) : (partitions ?? inputPartitions);
      sourcePartitions.set(topic, count);
      const inputMax = (await maxMessageSizes(admin, [input])).get(input) ?? defaultMaxMessageBytes;
      wanted.set(topic, { numPartitions: count, configEntries: [{ name: 'max.message.bytes', value: String(inputMax + deadLetterHeadroom) }] });
    }
    for (const { stepId, sourceTopic } of plan.changelogs) {
      wanted.set(changelogTopic(topology.name, stepId), {
        numPartitions: sourcePartitions.get(sourceTopic) ?? inputPartitions,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'max.message.bytes', value: String(changelogMaxMessageBytes) },
        ],
      });
    }
    const missing = [...wanted].filter(([topic]) => !existing.has(topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: missing.map(([topic, spec]) => ({ topic, ...spec })) });
      } catch (cause) {
        // Another worker may have created them at the same moment.
        if (!String((cause as Error).message).includes('already exists')) throw cause;
      }
    }
    // Every wanted topic exists now, created here or by another worker; the metadata of a topic another worker has
    // just created may take a moment to reach this broker connection.
    const counts = await retry(() => partitionCounts(admin, [...wanted.keys()]), topology.kafka.retry, { shouldRetry: isRetriableKafkaError });
    for (const { stepId, sourceTopic } of plan.changelogs) {
      const topic = changelogTopic(topology.name, stepId);
      const expected = sourcePartitions.get(sourceTopic) ?? inputPartitions;
      if (counts.get(topic) !== expected) {
        throw new ConnectorError(`changelog topic '${topic}' has ${counts.get(topic)} partitions; its step reads '${sourceTopic}', which has ${expected}`, { context: { topology: topology.name, topic } });
      }
    }
    for (const [topic] of sourcePartitions) if (!counts.has(topic)) counts.set(topic, sourcePartitions.get(topic) as number);
    return { inputPartitions, outputPartitions: counts, maxMessageBytes: await maxMessageSizes(admin, [...wanted.keys()]) };
  } finally {
    await admin.disconnect();
  }
}

/** A Kafka client error the client itself marks retriable (e.g. UNKNOWN_TOPIC_OR_PARTITION while metadata spreads). */
function isRetriableKafkaError(error: unknown): boolean {
  return error instanceof Error && (error as Error & { retriable?: boolean }).retriable === true;
}

/** `max.message.bytes` of each topic (its own setting or the broker's default). */
async function maxMessageSizes(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })) });
  const sizes = new Map<string, number>();
  for (const resource of resources) {
    const entry = resource.configEntries.find((config) => config.configName === 'max.message.bytes');
    if (entry !== undefined) sizes.set(resource.resourceName, Number(entry.configValue));
  }
  return sizes;
}

/** Partition counts of topics known to exist. */
async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
  return new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
}

export async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset of one partition (the next offset to read), or undefined when none. */
export async function committedOffset(admin: Admin, group: string, topic: string, partition: number): Promise<string | undefined> {
  return (await committedPosition(admin, group, topic, partition))?.inputOffset;
}

/**
 * The group's committed position of one partition: the offset, and the tick the committing transaction wrote in the
 * offset's metadata (`tick:<n>`: batches without records, which fired timers, commit at the same offset).
 */
export async function committedPosition(admin: Admin, group: string, topic: string, partition: number): Promise<{ inputOffset: string; tick: number } | undefined> {
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const committed = entry?.partitions.find((candidate) => candidate.partition === partition);
  if (committed === undefined || committed.offset === '-1') return undefined;
  return { inputOffset: committed.offset, tick: Number(/^tick:(\d+)$/.exec(committed.metadata ?? '')?.[1] ?? 0) };
}

/** The partition's end (high watermark): the offset the next record will get. */
export async function endOffset(admin: Admin, topic: string, partition: number): Promise<bigint> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const entry = offsets.find((candidate) => candidate.partition === partition);
  if (entry === undefined) throw new ConnectorError(`topic '${topic}' has no partition ${partition}`, { context: { topic, partition } });
  return BigInt(entry.high);
}
