import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import type { CountInput } from './verifier.js';

const weirBin = fileURLToPath(new URL('../../bin/weir.js', import.meta.url));

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

/** One `weir run` worker process; keeps the tail of its log for the failure message. */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private logTail: string[] = [];
  private stopping = false;
  /** Exits this harness did not cause (a crash is a bug), with the log lines before them. */
  readonly unexpectedExits: string[] = [];

  constructor(
    private readonly topologyFile: string,
    private readonly env: Record<string, string>,
  ) {}

  start(): void {
    const child = spawn(process.execPath, [weirBin, 'run', this.topologyFile, '--metrics-address', '127.0.0.1:0'], {
      env: { ...process.env, WEIR_LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.logTail.push(...chunk.split('\n').filter((line) => line !== ''));
      if (this.logTail.length > 200) this.logTail = this.logTail.slice(-100);
    });
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.unexpectedExits.push(`exit ${code ?? signal}:\n${this.logTail.slice(-10).join('\n')}`);
    });
    this.stopping = false;
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string[] {
    return this.logTail;
  }

  /** Sends `signal` and waits for the exit: its code (null when killed by a signal) and how long it took. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const child = this.child;
    if (child === undefined || !this.running) return { code: child?.exitCode ?? null, ms: 0 };
    const started = Date.now();
    this.stopping = true;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill(signal);
    const [code] = await exited;
    return { code, ms: Date.now() - started };
  }
}

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
