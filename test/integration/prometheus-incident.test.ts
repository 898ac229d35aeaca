import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { announce } from '../../deploy/prometheus/sd-file.js';
import { startPrometheus, type PromAlert, type PrometheusServer } from '../support/prometheus-server.js';
import { repositoryRoot } from '../support/prometheus-tools.js';
import { startWorker, type WorkerProcess } from '../support/weir-worker.js';
import { createTopic, servicesForFile, uniqueName } from './support/services.js';

/**
 * A simulated incident end to end: a real worker whose operator is slowed, scraped by the real Prometheus
 * with Weir's rules (their `for:` shortened to seconds in a copy), until WeirIngestLatencyP999High fires.
 */

const topologyFile = fileURLToPath(new URL('../fixtures/topologies/observed.yaml', import.meta.url));
const services = servicesForFile();
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

test('a slowed operator: end-to-end p99.9 above 5 s makes WeirIngestLatencyP999High fire in Prometheus', { timeout: 300_000 }, async (t) => {
  const name = uniqueName('incident');
  const topics = { INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq` };
  await createTopic(services.admin, topics.INPUT_TOPIC, 1);
  t.after(() => services.admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined));

  const rulesDir = await rulesWithShortFor('5s');
  t.after(() => rm(rulesDir, { recursive: true, force: true }));
  const prometheus: PrometheusServer = await startPrometheus({ rulesDir, scrapeInterval: '1s', evaluationInterval: '1s' });
  t.after(() => prometheus.stop());

  // 40 ms per record and 10 records per commit: a burst of 300 records takes 12 s to get through.
  const worker: WorkerProcess = await startWorker(topologyFile, {
    TOPOLOGY_NAME: name,
    ...topics,
    SLOW_DELAY_MS: '40',
    MAX_BATCH_RECORDS: '10',
    WEIR_PROMETHEUS_SD_DIR: prometheus.targetsDir,
  });
  t.after(() => worker.stop());
  // Until workers announce themselves, the test writes the worker's announcement (same file, same content).
  const announcement = announce(prometheus.targetsDir, { topology: name, address: worker.address, pid: worker.pid });
  t.after(() => announcement.remove());

  const ours = (alert: PromAlert): boolean => alert.labels.alertname === 'WeirIngestLatencyP999High' && alert.labels.topology === name;
  const seen = async (): Promise<string> => {
    const [alerts, p999, observations, targets] = await Promise.all([
      prometheus.alerts(),
      prometheus.query(`topology:weir_end_to_end_latency_seconds:p999_rate5m{topology="${name}"}`),
      prometheus.query(`sum(weir_end_to_end_latency_seconds_count{topology="${name}"})`),
      prometheus.targets(),
    ]);
    return [
      `alerts: ${JSON.stringify(alerts.map((alert) => ({ ...alert.labels, state: alert.state, value: alert.value })))}`,
      `p99.9 recorded: ${JSON.stringify(p999.map((sample) => sample.value[1]))}; observations: ${JSON.stringify(observations.map((sample) => sample.value[1]))}`,
      `targets: ${JSON.stringify(targets.map((target) => ({ url: target.scrapeUrl, health: target.health, error: target.lastError })))}`,
      `worker log (tail):\n${worker.log().split('\n').slice(-15).join('\n')}`,
      `prometheus log (tail):\n${(await prometheus.log()).split('\n').slice(-10).join('\n')}`,
    ].join('\n');
  };

  await waitFor('the worker scraped as job weir', 30_000, async () => (await prometheus.targets()).find((target) => target.labels.topology === name && target.health === 'up'), seen);
  assert.equal((await prometheus.alerts()).filter(ours).length, 0, 'no latency alert before the incident');

  const producer = services.kafka.producer();
  await producer.connect();
  const now = Date.now();
  await producer.send({
    topic: topics.INPUT_TOPIC,
    messages: Array.from({ length: 300 }, (_, seq) => ({
      key: `k${seq % 7}`,
      value: JSON.stringify({ edge_id: `e${seq}`, tenant: 'acme', node_ids: ['n1', 'n2'], weight: 1, event_time: now }),
    })),
  });
  await producer.disconnect();

  const firing = await waitFor('WeirIngestLatencyP999High firing for the slowed topology', 150_000, async () => (await prometheus.alerts()).find((alert) => ours(alert) && alert.state === 'firing'), seen);
  assert.equal(firing.labels.severity, 'page');
  assert.ok(Number(firing.value) > 5, `p99.9 at firing: ${firing.value} s`);
  assert.match(firing.annotations.summary ?? '', new RegExp(`^${name}: end-to-end latency p99.9 above 5 s`));
});
