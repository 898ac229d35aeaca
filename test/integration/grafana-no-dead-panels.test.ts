import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { dashboards } from '../../deploy/grafana/dashboards.js';
import { expandVariables, panelQueries, type PanelQuery } from '../support/dashboard-queries.js';
import { startPrometheus } from '../support/prometheus-server.js';
import { documentedHistograms, exportedMetrics, metricsRead, repositoryRoot } from '../support/prometheus-tools.js';
import { startAnnouncedWorker } from '../support/announced-worker.js';
import { createTopic, kafkaClient, uniqueName } from './support/services.js';

/**
 * No dead panels: a real worker runs a topology (validate + a slowed step), Prometheus scrapes it with Weir's
 * rules, and every dashboard query whose metrics a worker exports today must return series for it. Panels
 * of metrics still to come (METRICS.md, "Coming with the operators") are listed, not queried: when an
 * operator lands, its metrics move to "Exported today" and this test then demands its panels have data.
 */

const rulesDir = join(repositoryRoot, 'deploy/prometheus/rules');
// Kafka only: these topologies keep no state, so Redis is not needed.
const kafka = kafkaClient('weir-observability-test');
const admin = kafka.admin();
before(() => admin.connect());
after(() => admin.disconnect());
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Recording rules whose inputs (followed through other recording rules) are all exported today. */
async function availableRecordings(exported: ReadonlySet<string>, histograms: ReadonlySet<string>): Promise<Set<string>> {
  const definitions = new Map<string, string>();
  for (const file of await readdir(rulesDir)) {
    const document = parse(await readFile(join(rulesDir, file), 'utf8')) as { groups: { rules: { record?: string; expr: string }[] }[] };
    for (const rule of document.groups.flatMap((group) => group.rules)) if (rule.record !== undefined) definitions.set(rule.record, rule.expr);
  }
  const available = (name: string, seen: Set<string>): boolean => {
    const expr = definitions.get(name);
    if (expr === undefined || seen.has(name)) return false;
    const read = metricsRead(expr, histograms);
    return [...read.metrics].every((metric) => exported.has(metric)) && [...read.recorded].every((inner) => available(inner, new Set([...seen, name])));
  };
  return new Set([...definitions.keys()].filter((name) => available(name, new Set())));
}

test('every dashboard panel whose metrics exist today returns series for a running topology', { timeout: 300_000 }, async (t) => {
  const exported = await exportedMetrics();
  const histograms = await documentedHistograms();
  const recordings = await availableRecordings(exported, histograms);
  const panels = new Map<string, PanelQuery[]>();
  for (const { build } of dashboards) for (const query of panelQueries(build())) panels.set(`${query.dashboard} / ${query.panel}`, [...(panels.get(`${query.dashboard} / ${query.panel}`) ?? []), query]);
  const checkable = [...panels].filter(([, queries]) =>
    queries.every((query) => {
      const read = metricsRead(query.expr, histograms);
      return [...read.metrics].every((metric) => exported.has(metric)) && [...read.recorded].every((name) => recordings.has(name));
    }),
  );
  const pending = [...panels.keys()].filter((panel) => !checkable.some(([name]) => name === panel));
  t.diagnostic(`checked ${checkable.length} panels; waiting for the operators' metrics: ${pending.join('; ')}`);
  assert.ok(checkable.length >= 20, `only ${checkable.length} panels can be checked`);

  const name = uniqueName('panels');
  const topics = { INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq` };
  await createTopic(admin, topics.INPUT_TOPIC, 2);
  t.after(() => admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined));
  const prometheus = await startPrometheus({ rulesDir, scrapeInterval: '1s', evaluationInterval: '1s' });
  t.after(() => prometheus.stop());
  const { worker } = await startAnnouncedWorker(t, prometheus, { TOPOLOGY_NAME: name, ...topics, SLOW_DELAY_MS: '2', MAX_BATCH_RECORDS: '50' });

  // Valid edges, and rejects of three kinds: a wrong type, a missing field, bytes that are not JSON.
  const producer = kafka.producer();
  await producer.connect();
  const edge = (seq: number): Record<string, unknown> => ({ edge_id: `e${seq}`, tenant: 'acme', node_ids: ['n1', 'n2'], weight: 1, event_time: Date.now() });
  const messages = Array.from({ length: 400 }, (_, seq) => {
    if (seq % 20 === 3) return { key: `k${seq}`, value: JSON.stringify({ ...edge(seq), weight: 'heavy' }) };
    if (seq % 20 === 7) return { key: `k${seq}`, value: JSON.stringify({ ...edge(seq), edge_id: undefined }) };
    if (seq % 50 === 11) return { key: `k${seq}`, value: '{not json' };
    return { key: `k${seq}`, value: JSON.stringify(edge(seq)) };
  });
  for (let start = 0; start < messages.length; start += 100) {
    await producer.send({ topic: topics.INPUT_TOPIC, messages: messages.slice(start, start + 100) });
    await sleep(2_000);
  }
  await producer.disconnect();

  const values = { topology: name, tenant: '.*', model_version: '.*' };
  const windows = { rateInterval: '1m', range: '5m' };
  const empty = async (): Promise<string[]> => {
    const dead: string[] = [];
    for (const [panel, queries] of checkable) {
      for (const query of queries) {
        const expr = expandVariables(query.expr, values, windows);
        if ((await prometheus.query(expr)).length === 0) dead.push(`${panel} [${query.refId}]: ${expr}`);
      }
    }
    return dead;
  };
  const waitedFrom = Date.now();
  const deadline = waitedFrom + 120_000;
  let dead = await empty();
  while (dead.length > 0 && Date.now() < deadline) {
    await sleep(2_000);
    dead = await empty();
  }
  assert.deepEqual(dead, [], `panels without data after ${Math.round((Date.now() - waitedFrom) / 1000)} s:\n${dead.join('\n')}\nworker log (tail):\n${worker.tail(10)}`);
});
