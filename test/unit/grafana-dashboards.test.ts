import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { dashboardJson, dashboards } from '../../deploy/grafana/dashboards.js';
import { expandVariables, panelQueries, panelsOf } from '../support/dashboard-queries.js';
import { documentedHistograms, documentedMetrics, metricsRead, prometheusBinaries, repositoryRoot } from '../support/prometheus-tools.js';

const run = promisify(execFile);
const committedDir = join(repositoryRoot, 'deploy/grafana/dashboards');
const built = dashboards.map(({ file, build }) => ({ file, dashboard: build() }));
const anyValue = { topology: '.*', tenant: '.*', model_version: '.*' };

async function recordingRules(): Promise<Set<string>> {
  const dir = join(repositoryRoot, 'deploy/prometheus/rules');
  const names = new Set<string>();
  for (const file of await readdir(dir)) {
    const document = parse(await readFile(join(dir, file), 'utf8')) as { groups: { rules: { record?: string }[] }[] };
    for (const rule of document.groups.flatMap((group) => group.rules)) if (rule.record !== undefined) names.add(rule.record);
  }
  return names;
}

describe('Grafana dashboards (deploy/grafana)', () => {
  it('are committed up to date (regenerate: node --import tsx scripts/generate-dashboards.ts)', async () => {
    assert.deepEqual((await readdir(committedDir)).sort(), built.map(({ file }) => file).sort(), 'one committed file per dashboard, no other');
    for (const { file, dashboard } of built) {
      assert.equal(await readFile(join(committedDir, file), 'utf8'), dashboardJson(dashboard), `${file} differs from what deploy/grafana builds`);
    }
  });

  it('have unique uids, unique panel ids, and panels that all query Prometheus through the datasource variable', () => {
    assert.equal(new Set(built.map(({ dashboard }) => dashboard.uid)).size, built.length);
    for (const { file, dashboard } of built) {
      const ids = (dashboard.panels ?? []).map((panel) => (panel as { id?: number }).id);
      assert.equal(new Set(ids).size, ids.length, `${file}: duplicate panel ids`);
      for (const panel of panelsOf(dashboard)) {
        assert.deepEqual((panel as { datasource?: unknown }).datasource, { type: 'prometheus', uid: '${datasource}' }, `${file}: ${panel.title}`);
        assert.ok((panel.targets ?? []).length > 0, `${file}: ${panel.title} has no query`);
        for (const target of panel.targets ?? []) assert.ok((target.expr ?? '').trim() !== '', `${file}: ${panel.title} has an empty query`);
      }
    }
  });

  it('cover the paths: topology, ingestion quality, media dedup, audio inference and WebSocket, hypergraph, drift', () => {
    const titles = built.map(({ dashboard }) => dashboard.title).join(' | ');
    for (const expected of ['Topology overview', 'Ingestion quality', 'Media dedup', 'Audio inference and WebSocket', 'Hypergraph', 'Embedding drift']) assert.match(titles, new RegExp(expected));
    const variables = (file: string): string[] => (built.find((entry) => entry.file === file)?.dashboard.templating?.list ?? []).map((variable) => variable.name);
    assert.deepEqual(variables('topology-overview.json'), ['datasource', 'topology']);
    assert.deepEqual(variables('media-dedup.json'), ['datasource', 'topology', 'tenant']);
    assert.deepEqual(variables('drift.json'), ['datasource', 'topology', 'tenant']);
  });

  it('read only metrics listed in METRICS.md and recording rules that exist', async () => {
    const documented = await documentedMetrics();
    const histograms = await documentedHistograms();
    const recorded = await recordingRules();
    for (const { dashboard } of built) {
      for (const query of panelQueries(dashboard)) {
        const read = metricsRead(query.expr, histograms);
        for (const metric of read.metrics) assert.ok(documented.has(metric), `${query.dashboard} / ${query.panel}: ${metric} is not in METRICS.md`);
        for (const name of read.recorded) assert.ok(recorded.has(name), `${query.dashboard} / ${query.panel}: no recording rule ${name}`);
      }
    }
  });

  it('hold PromQL that Prometheus parses (every query checked by promtool as a rule)', async () => {
    const { promtool } = await prometheusBinaries();
    const queries = built.flatMap(({ dashboard }) => panelQueries(dashboard));
    const rules = queries.map((query, index) => ({ record: `dashboard:query_${index}`, expr: expandVariables(query.expr, anyValue) }));
    const dir = await mkdtemp(join(tmpdir(), 'weir-dashboards-'));
    try {
      const file = join(dir, 'queries.yml');
      await writeFile(file, stringify({ groups: [{ name: 'dashboard-queries', rules }] }));
      await run(promtool, ['check', 'rules', file]).catch((error: { stdout?: string; stderr?: string }) => {
        assert.fail(`promtool rejected a dashboard query:\n${error.stdout ?? ''}${error.stderr ?? ''}\n${queries.map((query, index) => `query_${index}: ${query.dashboard} / ${query.panel}`).join('\n')}`);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
