import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkerProcess } from '../support/worker-process.js';
import { createTopic, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * An idempotent sink on the real stack: a file sink writes every committed output record once; replaying its topic from
 * offset 0 (its consumer group reset) changes nothing in the files.
 */

const services = servicesForFile();
const topologyFile = fileURLToPath(new URL('../fixtures/topologies/count-file-sink.yaml', import.meta.url));

async function filesDigest(dir: string): Promise<{ lines: number; digest: string }> {
  const hash = createHash('sha256');
  let lines = 0;
  for (const name of (await readdir(dir)).sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    lines += text.split('\n').filter((line) => line !== '').length;
    hash.update(name).update(text);
  }
  return { lines, digest: hash.digest('hex') };
}

async function waitForLines(dir: string, lines: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while ((seen = (await filesDigest(dir).catch(() => ({ lines: 0 }))).lines) < lines) {
    if (Date.now() > deadline) throw new Error(`the file sink wrote ${seen} of ${lines} lines within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('file sink: every output record written once; a replay from offset 0 changes nothing', { timeout: 180_000 }, async () => {
  const name = uniqueName('file-sink');
  const dir = await mkdtemp(join(tmpdir(), 'weir-file-sink-'));
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, REDIS_URL: redisUrl, SINK_DIR: dir };
  await createTopic(services.admin, env.INPUT_TOPIC, 3);
  const producer = services.kafka.producer();
  await producer.connect();
  const total = 2_000;
  await producer.send({ topic: env.INPUT_TOPIC, messages: Array.from({ length: total }, (_, seq) => ({ key: `k${seq % 11}`, value: JSON.stringify({ key: `k${seq % 11}`, seq }) })) });
  await producer.disconnect();
  const worker = new WorkerProcess(topologyFile, env);
  try {
    worker.start();
    await waitForLines(dir, total, 90_000);
    const first = await filesDigest(dir);
    assert.equal(first.lines, total);
    await worker.kill('SIGTERM');

    // Replay: the sink's group starts over at offset 0 of every partition.
    await services.admin.resetOffsets({ groupId: `weir.${name}.sink.export`, topic: env.OUTPUT_TOPIC, earliest: true });
    const from = worker.logLength;
    worker.start();
    await worker.waitForLog(/"partitions assigned"/, 60_000, from);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [offsets] = await services.admin.fetchOffsets({ groupId: `weir.${name}.sink.export`, topics: [env.OUTPUT_TOPIC] });
      const ends = await services.admin.fetchTopicOffsets(env.OUTPUT_TOPIC);
      const caughtUp = ends.every((end) => Number(offsets?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? -1) >= Number(end.high) - 1);
      if (caughtUp) break;
      if (Date.now() > deadline) throw new Error('the sink did not read its topic to the end again within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(await filesDigest(dir), first, 'the replay changed nothing');
    const seqs = new Set<number>();
    for (const file of await readdir(dir)) {
      for (const line of (await readFile(join(dir, file), 'utf8')).trimEnd().split('\n')) seqs.add((JSON.parse(line) as { value: { seq: number } }).value.seq);
    }
    assert.equal(seqs.size, total, 'every record once');
  } finally {
    await worker.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
});
