import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { committedRecords, createTopic, servicesForFile, uniqueName } from '../integration/support/services.js';
import { sleep } from './harness.js';
import { WorkerProcess } from '../support/worker-process.js';

/**
 * A burst far larger than the worker's memory budget into a topology with a slow operator: the worker
 * pulls batch by batch, so its resident memory stays bounded while the lag (in Kafka) drains.
 */

const slowTopology = fileURLToPath(new URL('../fixtures/topologies/slow.yaml', import.meta.url));
const recordBytes = 4_096;
const steadyRecords = 5_000;
const burstRecords = 50_000;

const services = servicesForFile();

/** The resident set of a process; fails when /proc does not say (a missing reading must not pass as 0). */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Waits until the group's lag is at most `lag`; fails at the deadline with the lag it saw. */
async function waitForLag(group: string, topic: string, lag: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let current = Infinity;
  while ((current = await committedLag(group, topic)) > lag) {
    if (Date.now() > deadline) throw new Error(`lag of ${group} on ${topic} still ${current} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Records in the topic that the group has not committed yet. */
async function committedLag(group: string, topic: string): Promise<number> {
  const ends = await services.admin.fetchTopicOffsets(topic);
  return ends.reduce((sum, end) => sum + Number(end.high), 0) - (await committedRecords(services.admin, group, topic));
}

test('a 10x burst keeps worker memory bounded while the lag drains', { timeout: 600_000 }, async (t) => {
  const name = uniqueName('burst');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq` };
  await createTopic(services.admin, env.INPUT_TOPIC, 2);
  const worker = new WorkerProcess(slowTopology, env);
  worker.start();
  const producer = services.kafka.producer();
  await producer.connect();
  const payload = 'x'.repeat(recordBytes - 40);
  const send = async (from: number, count: number): Promise<void> => {
    for (let start = from; start < from + count; start += 500) {
      const size = Math.min(500, from + count - start);
      await producer.send({ topic: env.INPUT_TOPIC, messages: Array.from({ length: size }, (_, index) => ({ value: JSON.stringify({ seq: start + index, payload }) })) });
    }
  };
  let peakRss = 0;
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const pid = worker.pid;
      if (pid === undefined || !worker.running) throw new Error(`the worker is not running:\n${worker.tail(10)}`);
      peakRss = Math.max(peakRss, await rssBytes(pid));
      samples++;
      await sleep(100);
    }
  })();
  try {
    await send(0, steadyRecords);
    await waitForLag(`weir.${name}`, env.INPUT_TOPIC, 0, 120_000);
    const steadyRss = peakRss;
    assert.ok(samples > 0 && steadyRss > 0, `RSS was sampled (${samples} samples)`);
    await send(steadyRecords, burstRecords);
    await producer.disconnect();
    const burstBytes = burstRecords * recordBytes;
    const lagAfterBurst = await committedLag(`weir.${name}`, env.INPUT_TOPIC);
    await waitForLag(`weir.${name}`, env.INPUT_TOPIC, 0, 300_000);
    const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(0)} MiB`;
    t.diagnostic(`burst ${mib(burstBytes)} (${burstRecords} records, ${burstRecords / steadyRecords}x the steady load); lag right after it ${lagAfterBurst}, drained; RSS before burst ${mib(steadyRss)}, peak ${mib(peakRss)} (${samples} samples)`);
    assert.deepEqual(worker.unexpectedExits, [], 'the worker did not exit on its own');
    assert.ok(lagAfterBurst > burstRecords / 4, `the burst built lag in Kafka (${lagAfterBurst})`);
    assert.ok(peakRss < steadyRss + burstBytes / 4, `peak RSS ${mib(peakRss)} grew by well under the burst's ${mib(burstBytes)}`);
  } catch (error) {
    t.diagnostic(`worker log tail:\n${worker.tail(20)}`);
    throw error;
  } finally {
    sampling = false;
    await sampler;
    await worker.kill('SIGTERM');
  }
});
