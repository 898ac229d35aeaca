import { z } from 'zod';
import { retryPolicySchema } from './retry.js';

/** The parts of a topology file that do not depend on operators. Pipeline steps are checked against the registry. */

const topicName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_" and "-"');

export const payloadFormat = z.enum(['json', 'avro', 'bytes']).describe('How record values are encoded: JSON text, Avro in the Schema Registry wire format, or raw bytes.');
export type PayloadFormat = z.infer<typeof payloadFormat>;

export const sourceSchema = z.strictObject({
  kafka: z.strictObject({
    topic: topicName.describe('Input topic.'),
    group: z.string().min(1).optional().describe('Consumer group; defaults to weir.<topology name>.'),
    format: payloadFormat.default('json'),
    fromBeginning: z.boolean().default(true).describe('Where a new consumer group starts.'),
  }),
  eventTime: z
    .strictObject({
      field: z.string().min(1).optional().describe('Payload field with the event time (epoch ms or ISO-8601); the Kafka timestamp when absent.'),
      maxOutOfOrdernessMs: z.number().int().nonnegative().default(0).describe('How far behind the largest event time seen a record may still come: the watermark trails by this much.'),
      idleTimeoutMs: z.number().int().positive().optional().describe('When a partition gets no record for this long, its watermark follows the clock (off when absent).'),
    })
    .default({ maxOutOfOrdernessMs: 0 }),
}).refine((source) => source.eventTime.field === undefined || source.kafka.format === 'json', {
  message: 'eventTime.field reads a JSON payload; with format avro or bytes, take the event time in an operator (e.g. validate) or leave eventTime out to use the Kafka timestamp',
  path: ['eventTime'],
});

export const outputSchema = z.strictObject({
  kafka: z.strictObject({
    topic: topicName.describe('Result topic.'),
    format: payloadFormat.default('json'),
    partitions: z.number().int().positive().optional().describe('Partitions when Weir creates the topic; defaults to the input topic\'s count.'),
  }),
});

export const stateSchema = z.union([
  z.strictObject({ redis: z.strictObject({ url: z.string().min(1).describe('redis:// URL of the state store.') }) }),
  z.strictObject({ memory: z.strictObject({}) }),
]);

/**
 * How the Kafka client retries its own requests (connections, metadata, coordinators, produce): long enough to ride
 * through a broker restart (about a minute in all) before a batch fails and the topology's `retry` takes over.
 */
const kafkaRetrySchema = retryPolicySchema
  .default({ retries: 10, initialRetryTime: 300, maxRetryTime: 10_000, factor: 0.2, multiplier: 2 })
  .describe("The Kafka client's retries of its own requests.");

export const topologyHeaderSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a kebab-case name').describe('Names the consumer group, transactional ids and state keys.'),
  description: z.string().optional(),
  plugins: z.array(z.string().min(1)).default([]).describe('Module paths (relative to this file) whose default export is an operator definition or a list of them.'),
  source: sourceSchema,
  pipeline: z.array(z.record(z.string(), z.unknown())).min(1, 'at least one operator'),
  outputs: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a kebab-case output name'), outputSchema).refine((outputs) => 'default' in outputs, 'a `default` output is required: where the end of the pipeline goes'),
  sinks: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a kebab-case sink name'), z.record(z.string(), z.unknown()))
    .default({})
    .describe('External systems fed from outputs, each `<name>: { from: <output>, <connector>: <config> }`; written after commit, idempotently.'),
  guarantee: z.enum(['exactly-once', 'at-least-once']).default('exactly-once'),
  commitIntervalMs: z.number().int().positive().default(100).describe('Longest time a batch collects records before it commits.'),
  maxBatch: z
    .strictObject({
      records: z.number().int().positive().default(500),
      bytes: z.number().int().positive().default(1_048_576),
    })
    .default({ records: 500, bytes: 1_048_576 }),
  retry: retryPolicySchema.default(retryPolicySchema.parse({})),
  kafka: z
    .strictObject({
      brokers: z.array(z.string().min(1)).min(1).describe('host:port of the bootstrap brokers.'),
      clientId: z.string().optional(),
      retry: kafkaRetrySchema,
    })
    .default({ brokers: ['127.0.0.1:9092'], retry: kafkaRetrySchema.parse(undefined) }),
  state: stateSchema.default({ redis: { url: 'redis://127.0.0.1:6379' } }),
  metrics: z
    .strictObject({ address: z.string().default('127.0.0.1:9464').describe('host:port of /metrics, /health and /ready; port 0 picks a free one.') })
    .default({ address: '127.0.0.1:9464' }),
});

export type TopologyHeader = z.infer<typeof topologyHeaderSchema>;
