import type { Kafka } from 'kafkajs';
import type { CountInput } from './verifier.js';

/** A deterministic PRNG (mulberry32), so a failing chaos run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The counting topology's input: `count` records over `keys` keys, keyed so a key stays on one partition. */
export function countInputs(count: number, keys: number): CountInput[] {
  return Array.from({ length: count }, (_, seq) => ({ key: `k${seq % keys}`, seq }));
}

/** The input partition of key `kN`: N mod the partition count, set explicitly so tests can map outputs back. */
export function partitionOfKey(key: string, partitions: number): number {
  return Number(key.slice(1)) % partitions;
}

/** Produces the inputs in order, `perSecond` at most, in batches; resolves when all are acknowledged. */
export async function producePaced(kafka: Kafka, topic: string, inputs: readonly CountInput[], perSecond: number, partitions: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const batchSize = 1_000;
    const started = Date.now();
    for (let start = 0; start < inputs.length; start += batchSize) {
      const batch = inputs.slice(start, start + batchSize);
      await producer.send({ topic, messages: batch.map((input) => ({ key: input.key, value: JSON.stringify(input), partition: partitionOfKey(input.key, partitions) })) });
      const due = started + ((start + batch.length) / perSecond) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  } finally {
    await producer.disconnect();
  }
}
