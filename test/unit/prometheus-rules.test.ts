import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { documentedHistograms, documentedMetrics, metricsRead, prometheusBinaries, repositoryRoot, type PrometheusBinaries } from '../support/prometheus-tools.js';

const run = promisify(execFile);
const rulesDir = join(repositoryRoot, 'deploy/prometheus/rules');
const testsDir = join(repositoryRoot, 'deploy/prometheus/tests');

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}
interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[];
}

const yamlFiles = async (dir: string, suffix: string): Promise<string[]> =>
  (await readdir(dir)).filter((name) => name.endsWith(suffix)).sort().map((name) => join(dir, name));

async function rules(): Promise<Rule[]> {
  const files = await yamlFiles(rulesDir, '.yml');
  const documents = await Promise.all(files.map(async (file) => parse(await readFile(file, 'utf8')) as { groups: { rules: Rule[] }[] }));
  return documents.flatMap((document) => document.groups.flatMap((group) => group.rules));
}

async function alertTests(): Promise<AlertTest[]> {
  const files = await yamlFiles(testsDir, '_test.yml');
  const documents = await Promise.all(files.map(async (file) => parse(await readFile(file, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] }));
  return documents.flatMap((document) => document.tests.flatMap((test) => test.alert_rule_test ?? []));
}

/** promtool's output, whether it passed or not, so a failure shows what promtool said. */
async function promtool(binaries: PrometheusBinaries, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(binaries.promtool, args, { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message };
  }
}

describe('Prometheus rules (deploy/prometheus)', () => {
  let binaries: PrometheusBinaries;
  before(async () => {
    binaries = await prometheusBinaries();
  });

  it('pass promtool check rules', async () => {
    const result = await promtool(binaries, ['check', 'rules', ...(await yamlFiles(rulesDir, '.yml'))]);
    assert.ok(result.ok, result.output);
    assert.doesNotMatch(result.output, /FAILED/);
  });

  it('pass their promtool unit tests', { timeout: 120_000 }, async () => {
    const files = await yamlFiles(testsDir, '_test.yml');
    assert.ok(files.length > 0, `no *_test.yml in ${testsDir}`);
    const result = await promtool(binaries, ['test', 'rules', ...files]);
    assert.ok(result.ok, result.output);
  });

  it('have, for every alert, a unit test where it fires and one where it does not', async () => {
    const tests = await alertTests();
    const alerts = (await rules()).filter((rule) => rule.alert !== undefined).map((rule) => rule.alert as string);
    assert.ok(alerts.length >= 9, `expected the nine alerts of the plan, found ${alerts.join(', ')}`);
    for (const alert of alerts) {
      const cases = tests.filter((test) => test.alertname === alert);
      assert.ok(cases.some((test) => (test.exp_alerts ?? []).length > 0), `${alert}: no test where it fires`);
      assert.ok(cases.some((test) => (test.exp_alerts ?? []).length === 0), `${alert}: no test where it stays silent`);
    }
  });

  it('give every alert a severity of page or ticket', async () => {
    for (const rule of (await rules()).filter((candidate) => candidate.alert !== undefined)) {
      assert.ok(['page', 'ticket'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity ${rule.labels?.severity}`);
    }
  });

  it('read only metrics listed in METRICS.md and recording rules defined here', async () => {
    const all = await rules();
    const documented = await documentedMetrics();
    const histograms = await documentedHistograms();
    const recorded = new Set(all.flatMap((rule) => (rule.record === undefined ? [] : [rule.record])));
    for (const rule of all) {
      const read = metricsRead(rule.expr, histograms);
      for (const metric of read.metrics) assert.ok(documented.has(metric), `${rule.record ?? rule.alert} reads ${metric}, which METRICS.md does not list`);
      for (const name of read.recorded) assert.ok(recorded.has(name), `${rule.record ?? rule.alert} reads ${name}, which no recording rule defines`);
    }
  });

  it('alert on the plan: p99.9 above 5 s for 15 m, and a 1 h / 6 h burn-rate page of a 99.9 % SLO', async () => {
    const all = await rules();
    const p999 = all.find((rule) => rule.alert === 'WeirIngestLatencyP999High');
    assert.equal(p999?.for, '15m');
    assert.match(p999?.expr ?? '', /p999_rate5m > 5$/);
    const burn = all.find((rule) => rule.alert === 'WeirLatencyBudgetFastBurn')?.expr ?? '';
    assert.match(burn, /ratio_rate1h > \(14\.4 \* 0\.001\)[\s\S]*ratio_rate5m > \(14\.4 \* 0\.001\)/);
    assert.match(burn, /ratio_rate6h > \(6 \* 0\.001\)[\s\S]*ratio_rate30m > \(6 \* 0\.001\)/);
  });
});
