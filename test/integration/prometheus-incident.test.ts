import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { startPrometheus, type PromAlert, type PrometheusServer } from '../support/prometheus-server.js';
import { repositoryRoot } from '../support/prometheus-tools.js';
import { startAnnouncedWorker } from '../support/announced-worker.js';
import { createTopic, kafkaClient, uniqueName } from './support/services.js';

/**
 * A simulated incident end to end: a real worker whose operator is slowed, scraped by the real Prometheus
 * with Weir's rules (their `for:` shortened to seconds in a copy), until WeirIngestLatencyP999High fires.
 */

// Kafka only: these topologies keep no state, so Redis is not needed.
const kafka = kafkaClient('weir-observability-test');
const admin = kafka.admin();
before(() => admin.connect());
after(() => admin.disconnect());
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The rules of deploy/prometheus/rules with every alert's `for:` set to `holdFor`. */
async function rulesWithShortFor(holdFor: string): Promise<string> {
  const source = join(repositoryRoot, 'deploy/prometheus/rules');
  const dir = await mkdtemp(join(tmpdir(), 'weir-incident-rules-'));
  for (const file of await readdir(source)) {
    const document = parse(await readFile(join(source, file), 'utf8')) as { groups: { rules: { alert?: string; for?: string }[] }[] };
    for (const rule of document.groups.flatMap((group) => group.rules)) if (rule.alert !== undefined && rule.for !== undefined) rule.for = holdFor;
    await writeFile(join(dir, file), stringify(document));
  }
  return dir;
}

/** Polls until `check` returns a value, or fails at the deadline with what `report` says was seen. */
async function waitFor<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined>, report: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const found = await check();
    if (found !== undefined) return found;
    await sleep(1_000);
  }
  return assert.fail(`${what}: not within ${deadlineMs / 1000} s.\n${await report()}`);
}

/** Polls /ready until the worker at `address` has joined its consumer group. */
async function ready(address: string, log: () => string): Promise<void> {
  await waitFor(`worker ${address} ready`, 60_000, async () => ((await fetch(`http://${address}/ready`).catch(() => undefined))?.ok ? true : undefined), async () => log());
}

test('a slowed operator: end-to-end p99.9 above 5 s makes WeirIngestLatencyP999High fire, and only for that topology', { timeout: 300_000 }, async (t) => {
  const rulesDir = await rulesWithShortFor('5s');
  t.after(() => rm(rulesDir, { recursive: true, force: true }));
  const prometheus: PrometheusServer = await startPrometheus({ rulesDir, scrapeInterval: '1s', evaluationInterval: '1s' });
  t.after(() => prometheus.stop());

  // Two topologies alike but for the delay of their slow step: 40 ms per record takes a burst of 300 records
  // 12 s to get through (commits of 100 every 4 s); without the delay it commits within a second or two.
  const start = async (delayMs: number): Promise<{ name: string; topic: string; address: string; log: () => string }> => {
    const name = uniqueName(delayMs > 0 ? 'incident' : 'control');
    const topics = { INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq` };
    await createTopic(admin, topics.INPUT_TOPIC, 1);
    t.after(() => admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined));
    const { worker, address } = await startAnnouncedWorker(t, prometheus, { TOPOLOGY_NAME: name, ...topics, SLOW_DELAY_MS: String(delayMs), MAX_BATCH_RECORDS: '100' });
    return { name, topic: topics.INPUT_TOPIC, address, log: () => worker.tail(10) };
  };
  const slowed = await start(40);
  const control = await start(0);

  const latencyAlert = (topology: string) => (alert: PromAlert): boolean => alert.labels.alertname === 'WeirIngestLatencyP999High' && alert.labels.topology === topology;
  const seen = async (): Promise<string> => {
    const [alerts, p999, observations, targets] = await Promise.all([
      prometheus.alerts(),
      prometheus.query('topology:weir_end_to_end_latency_seconds:p999_rate5m'),
      prometheus.query('sum by (topology) (weir_end_to_end_latency_seconds_count)'),
      prometheus.targets(),
    ]);
    const byTopology = (samples: { metric: Record<string, string>; value: [number, string] }[]): string => JSON.stringify(samples.map((sample) => [sample.metric.topology, sample.value[1]]));
    return [
      `alerts: ${JSON.stringify(alerts.map((alert) => ({ ...alert.labels, state: alert.state, value: alert.value })))}`,
      `p99.9 recorded: ${byTopology(p999)}; observations: ${byTopology(observations)}`,
      `targets: ${JSON.stringify(targets.map((target) => ({ url: target.scrapeUrl, topology: target.labels.topology, health: target.health, error: target.lastError })))}`,
      `slowed worker log (tail):\n${slowed.log()}`,
      `prometheus log (tail):\n${(await prometheus.log()).split('\n').slice(-10).join('\n')}`,
    ].join('\n');
  };

  for (const { name, address, log } of [slowed, control]) {
    await waitFor(`${name} scraped as job weir`, 30_000, async () => (await prometheus.targets()).find((target) => target.labels.topology === name && target.health === 'up'), seen);
    await ready(address, log);
  }
  assert.equal((await prometheus.alerts()).filter(latencyAlert(slowed.name)).length, 0, 'no latency alert before the incident');

  const producer = kafka.producer();
  await producer.connect();
  const now = Date.now();
  const burst = Array.from({ length: 300 }, (_, seq) => ({
    key: `k${seq % 7}`,
    value: JSON.stringify({ edge_id: `e${seq}`, tenant: 'acme', node_ids: ['n1', 'n2'], weight: 1, event_time: now }),
  }));
  await producer.sendBatch({ topicMessages: [slowed, control].map(({ topic }) => ({ topic, messages: burst })) });
  await producer.disconnect();

  const firing = await waitFor('WeirIngestLatencyP999High firing for the slowed topology', 150_000, async () => (await prometheus.alerts()).find((alert) => latencyAlert(slowed.name)(alert) && alert.state === 'firing'), seen);
  assert.equal(firing.labels.severity, 'page');
  assert.ok(Number(firing.value) > 5, `p99.9 at firing: ${firing.value} s`);
  assert.match(firing.annotations.summary ?? '', new RegExp(`^${slowed.name}: end-to-end latency p99.9 above 5 s`));

  // The control went through the same burst, within 5 s, and raised nothing. Counts rather than rates: its
  // histogram series appear with the whole burst in their first scrape, which rate() cannot see as an increase.
  const share = await prometheus.query(
    `sum(weir_end_to_end_latency_seconds_bucket{topology="${control.name}", le="5"}) / sum(weir_end_to_end_latency_seconds_count{topology="${control.name}"})`,
  );
  const controlCommitted = await prometheus.query(`sum(weir_end_to_end_latency_seconds_count{topology="${control.name}"})`);
  assert.ok(Number(controlCommitted[0]?.value[1] ?? 0) >= 300, `control committed: ${JSON.stringify(controlCommitted)}\n${await seen()}`);
  assert.ok(Number(share[0]?.value[1]) >= 0.999, `control share within 5 s: ${JSON.stringify(share)}\n${await seen()}`);
  assert.deepEqual((await prometheus.alerts()).filter(latencyAlert(control.name)), []);
});
