import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import { RedisStateStore } from '../../state/redis-store.js';
import type { Checkpoint } from '../../state/state-store.js';
import { countInputs, partitionOfKey } from '../chaos/harness.js';
import { verifyCounts, type CountInput, type CountOutput, type Verification } from '../chaos/verifier.js';
import { brokers, countsInRedis, createTopic, readAll, redisUrl, uniqueName, type Services } from '../integration/support/services.js';
import { readCommittedReference } from './reference-reader.js';
import { WorkerProcess } from './worker-process.js';

/** The counting topology (fail-on → count-by-key) that the exactly-once tests run. */
export const countTopology = fileURLToPath(new URL('../fixtures/topologies/count.yaml', import.meta.url));

/** A fresh run of the counting topology: its names, input topic (created) and environment for workers. */
export interface CountRun {
  readonly name: string;
  readonly partitions: number;
  readonly env: Record<string, string>;
  readonly inputs: CountInput[];
  worker(label?: string): WorkerProcess;
  produce(inputs: readonly CountInput[]): Promise<void>;
  checkpoint(partition?: number): Promise<Checkpoint | undefined>;
  committedInput(): Promise<number>;
  /** Waits until the group has committed `records` input records; fails at the deadline with the count reached. */
  waitForCommitted(records: number, timeoutMs: number): Promise<void>;
  /** Reads the output with Weir's reader and the reference reader, checks both against the inputs and the Redis state. */
  verify(): Promise<Verification & { state: Map<string, number> }>;
  close(): Promise<void>;
}

export async function countRun(services: Services, options: { partitions?: number; guarantee?: string; prefix?: string } = {}): Promise<CountRun> {
  const name = uniqueName(options.prefix ?? 'eos');
  const partitions = options.partitions ?? 1;
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, GUARANTEE: options.guarantee ?? 'exactly-once', REDIS_URL: redisUrl };
  await createTopic(services.admin, env.INPUT_TOPIC, partitions);
  const store = new RedisStateStore({ url: redisUrl });
  const inputs: CountInput[] = [];
  const workers: WorkerProcess[] = [];
  let producer: Producer | undefined;
  const group = `weir.${name}`;
  const committedInput = async (): Promise<number> => {
    const [entry] = await services.admin.fetchOffsets({ groupId: group, topics: [env.INPUT_TOPIC] });
    return (entry?.partitions ?? []).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
  };
  return {
    name,
    partitions,
    env,
    inputs,
    worker(label) {
      const worker = new WorkerProcess(countTopology, env, label);
      workers.push(worker);
      return worker;
    },
    async produce(batch) {
      if (producer === undefined) {
        producer = services.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
      }
      await producer.send({ topic: env.INPUT_TOPIC, acks: -1, messages: batch.map((input) => ({ key: input.key, value: JSON.stringify(input), partition: partitionOfKey(input.key, partitions) })) });
      inputs.push(...batch);
    },
    checkpoint: (partition = 0) => store.readCheckpoint({ topology: name, partition }),
    committedInput,
    async waitForCommitted(records, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let committed = 0;
      while ((committed = await committedInput()) < records) {
        if (Date.now() > deadline) throw new Error(`the group committed ${committed} of ${records} input records within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async verify() {
      const ours = await readAll(services.kafka, env.OUTPUT_TOPIC, { expected: inputs.length, timeoutMs: 60_000, settleMs: 1_000 });
      const reference = await readCommittedReference(brokers, env.OUTPUT_TOPIC);
      const state = await countsInRedis(name, partitions, 'count-by-key');
      const parse = (value: string | null) => JSON.parse(value as string) as CountOutput;
      const referenceCheck = verifyCounts(inputs, reference.map((record) => parse(record.value)), state);
      const result = verifyCounts(inputs, ours.map((record) => parse(record.value)), state);
      assert.equal(ours.length, reference.length, `Weir's reader saw ${ours.length} outputs, the reference reader ${reference.length}`);
      assert.deepEqual(describe(referenceCheck), describe(result), 'both readers agree');
      return { ...result, state };
    },
    async close() {
      await producer?.disconnect();
      await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
      await store.close();
      // Fewer topics keep the broker's restarts (chaos, outages) fast.
      const topics = [env.INPUT_TOPIC, env.OUTPUT_TOPIC, env.REJECTED_TOPIC, `weir.${name}.count-by-key.changelog`];
      await services.admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    },
  };
}

/** The counts of a verification, for assertion messages. */
export function describe(result: Verification): string {
  return `received ${result.received}/${result.expected}; missing ${result.missing.length}; duplicated ${result.duplicated.length}; wrong counts ${result.wrongCounts}; state mismatches ${result.stateMismatches.length}`;
}

/** Asserts a verification found every record exactly once and the state exact. */
export function assertExactlyOnce(result: Verification): void {
  assert.equal(describe(result), describe({ ...result, received: result.expected, missing: [], duplicated: [], wrongCounts: 0, stateMismatches: [] }));
  assert.equal(result.ok, true);
}

export { countInputs };
