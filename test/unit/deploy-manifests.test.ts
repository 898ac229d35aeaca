import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import draft07 from 'ajv/lib/refs/json-schema-draft-07.json' with { type: 'json' };
import { parse, stringify } from 'yaml';
import { describeManifest, loadManifests, unknownFields, validateSchema, type Manifest } from '../support/kubernetes-manifests.js';
import { prometheusBinaries, repositoryRoot } from '../support/prometheus-tools.js';
import { runWeir } from '../support/weir-cli.js';

const run = promisify(execFile);
const composeDir = join(repositoryRoot, 'deploy/compose');
const k8sDir = join(repositoryRoot, 'deploy/k8s');
const readText = (path: string): Promise<string> => readFile(join(repositoryRoot, path), 'utf8');

/** promtool check config on a Prometheus configuration given as text. */
async function checkPrometheusConfig(text: string): Promise<void> {
  const { promtool } = await prometheusBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'weir-promconfig-'));
  try {
    await writeFile(join(dir, 'prometheus.yml'), text);
    await run(promtool, ['check', 'config', join(dir, 'prometheus.yml')]).catch((error: { stdout?: string; stderr?: string }) => {
      assert.fail(`promtool check config failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('Compose file (deploy/compose/compose.yaml)', () => {
  type Service = Record<string, unknown> & { image?: string; volumes?: string[]; environment?: Record<string, string> };
  let compose: { services: Record<string, Service>; configs: Record<string, { file: string }> };
  let validate: (document: unknown) => string[];

  before(async () => {
    compose = parse(await readText('deploy/compose/compose.yaml'), { merge: true }) as typeof compose;
    const schema = JSON.parse(await readText('deploy/compose/schema/compose-spec.json')) as { $schema: string };
    // The schema names the draft-07 meta-schema by its https address; ajv 6 knows it by the http one.
    const ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore' });
    ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
    const check = ajv.compile(schema);
    validate = (document) => (check(document) ? [] : (check.errors ?? []).map((error) => `${error.dataPath || '(root)'} ${error.message ?? ''}`));
  });

  it('is valid against the Compose Specification JSON Schema', () => {
    assert.deepEqual(validate(compose), []);
  });

  it('is checked for real: the schema refuses a misspelt key and a wrong type', () => {
    const weir = compose.services.weir as Service;
    const broken = { ...compose, services: { ...compose.services, weir: { ...weir, stop_grace_period: 45, replica: 3 } } };
    const errors = validate(broken);
    assert.ok(errors.some((error) => error.includes("services['weir'] should NOT have additional properties")), errors.join('\n'));
    assert.ok(errors.some((error) => error.includes("services['weir'].stop_grace_period should be string")), errors.join('\n'));
  });

  it('runs Kafka 3.9, Redis, Neo4j, Apicurio 3.0.9, Prometheus, Grafana and N workers that drain before they are killed', () => {
    const image = (name: string): string => compose.services[name]?.image ?? '';
    assert.match(image('kafka'), /^apache\/kafka:3\.9\./);
    assert.match(image('redis'), /^redis:7/);
    assert.match(image('neo4j'), /^neo4j:5/);
    assert.equal(image('schema-registry'), 'apicurio/apicurio-registry:3.0.9');
    assert.match(image('prometheus'), /^prom\/prometheus:v2\./);
    assert.match(image('grafana'), /^grafana\/grafana:/);
    const weir = compose.services.weir as Service & { deploy: { replicas: string }; stop_grace_period: string; build: { context: string } };
    assert.equal(weir.deploy.replicas, '${WEIR_WORKERS:-3}');
    assert.ok(Number.parseInt(weir.stop_grace_period, 10) > 30, `stop_grace_period ${weir.stop_grace_period} must exceed the 30 s drain`);
    assert.ok(existsSync(join(resolve(composeDir, weir.build.context), 'Dockerfile')));
  });

  it('mounts files that exist: the topology, the Prometheus config and rules, Grafana provisioning and dashboards', () => {
    for (const config of Object.values(compose.configs)) assert.ok(existsSync(resolve(composeDir, config.file)), config.file);
    const mounts = Object.values(compose.services).flatMap((service) => service.volumes ?? []).filter((volume) => volume.startsWith('.'));
    assert.ok(mounts.length >= 3);
    for (const mount of mounts) assert.ok(existsSync(resolve(composeDir, mount.split(':')[0] as string)), mount);
    const grafanaMounts = (compose.services.grafana?.volumes ?? []).join(' ');
    assert.match(grafanaMounts, /\.\.\/grafana\/provisioning:\/etc\/grafana\/provisioning/);
    assert.match(grafanaMounts, /\.\.\/grafana\/dashboards:\/var\/lib\/grafana\/dashboards\/weir/);
  });

  it('gives Grafana the dashboard folder its provider reads and the Prometheus its data source points at', async () => {
    const provider = parse(await readText('deploy/grafana/provisioning/dashboards/weir.yaml')) as { providers: { options: { path: string } }[] };
    assert.equal(provider.providers[0]?.options.path, '/var/lib/grafana/dashboards/weir');
    const datasources = parse(await readText('deploy/grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { url: string; uid: string }[] };
    assert.equal(datasources.datasources[0]?.url, '${PROMETHEUS_URL}');
    assert.equal(compose.services.grafana?.environment?.PROMETHEUS_URL, 'http://prometheus:9090');
  });

  it('has a Prometheus configuration promtool accepts, scraping the workers as job weir', async () => {
    const text = await readText('deploy/compose/prometheus.yml');
    await checkPrometheusConfig(text);
    const config = parse(text) as { scrape_configs: { job_name: string; dns_sd_configs: { names: string[] }[] }[] };
    assert.deepEqual(config.scrape_configs[0]?.dns_sd_configs[0]?.names, ['weir']);
    assert.equal(config.scrape_configs[0]?.job_name, 'weir');
  });
});

describe('Kubernetes manifests (deploy/k8s)', () => {
  let manifests: Manifest[];
  const find = (kind: string): Manifest['object'] => {
    const found = manifests.find((manifest) => manifest.object.kind === kind);
    assert.ok(found, `no ${kind} in deploy/k8s`);
    return found.object;
  };
  type Container = { name: string; livenessProbe: { httpGet: { path: string; port: string } }; readinessProbe: { httpGet: { path: string; port: string } }; ports: { name: string }[]; envFrom: { secretRef: { name: string } }[] };
  type PodSpec = { terminationGracePeriodSeconds: number; securityContext: { runAsNonRoot: boolean }; containers: Container[]; volumes: { configMap?: { name: string } }[] };
  const deployment = (): { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } } =>
    find('Deployment') as never;

  before(async () => {
    manifests = await loadManifests(k8sDir, ['kustomization.yaml']);
  });

  it('are valid against the Kubernetes schemas of their kinds', () => {
    assert.ok(manifests.length >= 8);
    for (const manifest of manifests) assert.doesNotThrow(() => validateSchema(manifest), describeManifest(manifest));
    const broken = { ...manifests.find((manifest) => manifest.object.kind === 'PodDisruptionBudget'), object: { ...find('PodDisruptionBudget'), spec: { maxUnavailable: 1, selector: { matchLabels: 'weir' } } } } as Manifest;
    assert.throws(() => validateSchema(broken), /matchLabels must be object/);
  });

  it('use no field the Kubernetes API does not know (a misspelt one is caught)', () => {
    assert.deepEqual(unknownFields(manifests), []);
    const misspelt = structuredClone(manifests.find((manifest) => manifest.object.kind === 'Deployment') as Manifest);
    (misspelt.object as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec.containers[0] = { ...deployment().spec.template.spec.containers[0], livenesProbe: {} } as never;
    assert.match(unknownFields([misspelt]).join('\n'), /'"livenesProbe"' does not exist in type 'IContainer'/);
  });

  it('probe /health for liveness and /ready for readiness, and outlast the 30 s drain', () => {
    const pod = deployment().spec.template.spec;
    const container = pod.containers[0] as Container;
    assert.deepEqual(container.livenessProbe.httpGet, { path: '/health', port: 'metrics' });
    assert.deepEqual(container.readinessProbe.httpGet, { path: '/ready', port: 'metrics' });
    assert.ok(container.ports.some((port) => port.name === 'metrics'));
    assert.equal(pod.terminationGracePeriodSeconds, 45);
    assert.equal(pod.securityContext.runAsNonRoot, true);
  });

  it('keep pods under a disruption budget and an autoscaler on consumer lag, both aimed at the Deployment', () => {
    const labels = deployment().spec.template.metadata.labels;
    const budget = find('PodDisruptionBudget') as unknown as { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
    for (const [key, value] of Object.entries(budget.spec.selector.matchLabels)) assert.equal(labels[key], value, `PDB selector ${key}`);
    for (const [key, value] of Object.entries(deployment().spec.selector.matchLabels)) assert.equal(labels[key], value, `Deployment selector ${key}`);
    const autoscaler = find('HorizontalPodAutoscaler') as unknown as { spec: { scaleTargetRef: { kind: string; name: string }; metrics: { type: string; external: { metric: { name: string } } }[] } };
    assert.deepEqual(autoscaler.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: find('Deployment').metadata.name });
    assert.equal(autoscaler.spec.metrics[0]?.type, 'External');
    assert.equal(autoscaler.spec.metrics[0]?.external.metric.name, 'weir_consumer_lag_records');
    const adapter = manifests.find((manifest) => manifest.object.metadata.name === 'prometheus-adapter-weir')?.object as unknown as { data: { 'config.yaml': string } };
    const rules = parse(adapter.data['config.yaml']) as { externalRules: { name: { as: string } }[] };
    assert.equal(rules.externalRules[0]?.name.as, 'weir_consumer_lag_records');
  });

  it('take credentials from a Secret and the topology from a ConfigMap that weir validate accepts', async () => {
    const pod = deployment().spec.template.spec;
    const secretName = (pod.containers[0] as Container).envFrom[0]?.secretRef.name;
    assert.ok(manifests.some((manifest) => manifest.object.kind === 'Secret' && manifest.object.metadata.name === secretName), `no Secret ${secretName}`);
    const configMapName = pod.volumes.find((volume) => volume.configMap !== undefined)?.configMap?.name;
    const configMap = manifests.find((manifest) => manifest.object.kind === 'ConfigMap' && manifest.object.metadata.name === configMapName);
    assert.ok(configMap, `no ConfigMap ${configMapName}`);
    const dir = await mkdtemp(join(tmpdir(), 'weir-k8s-topology-'));
    try {
      await writeFile(join(dir, 'topology.yaml'), (configMap.object as unknown as { data: Record<string, string> }).data['topology.yaml'] as string);
      const result = await runWeir(['validate', join(dir, 'topology.yaml')], { env: { KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379' } });
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('give Prometheus a configuration promtool accepts, with pod discovery of the weir namespace', async () => {
    const config = manifests.find((manifest) => manifest.object.metadata.name === 'weir-prometheus')?.object as unknown as { data: { 'prometheus.yml': string } };
    type ScrapeConfig = { job_name: string; kubernetes_sd_configs?: { role: string; namespaces: { names: string[] }; selectors: { label: string }[] }[]; static_configs?: unknown[]; relabel_configs: { target_label?: string }[] };
    const prometheus = parse(config.data['prometheus.yml']) as { scrape_configs: ScrapeConfig[] };
    const job = prometheus.scrape_configs[0] as ScrapeConfig;
    assert.equal(job.job_name, 'weir');
    const discovery = job.kubernetes_sd_configs?.[0];
    assert.equal(discovery?.role, 'pod');
    assert.deepEqual(discovery?.namespaces.names, [find('Deployment').metadata.namespace]);
    assert.equal(discovery?.selectors[0]?.label, `app.kubernetes.io/name=${find('Deployment').metadata.labels?.['app.kubernetes.io/name']}`);
    assert.ok(job.relabel_configs.some((rule) => rule.target_label === 'topology'));
    // Debian's promtool is built without Kubernetes discovery: it checks the rest, with a static target in its place.
    delete job.kubernetes_sd_configs;
    job.static_configs = [{ targets: ['127.0.0.1:9464'] }];
    await checkPrometheusConfig(stringify(prometheus));
  });

  it('are all listed in the kustomization', async () => {
    const kustomization = parse(await readText('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    assert.deepEqual([...kustomization.resources].sort(), [...new Set(manifests.map((manifest) => manifest.file))].sort());
  });
});

describe('Dockerfile', () => {
  let dockerfile: string;
  before(async () => {
    dockerfile = await readText('Dockerfile');
  });
  const instructions = (name: string): string[] => [...dockerfile.matchAll(new RegExp(`^${name}\\s+(.*)$`, 'gm'))].map((match) => match[1] as string);

  it('builds in stages and runs as a user that is not root', () => {
    assert.ok(instructions('FROM').length >= 2, 'a multi-stage build');
    const user = instructions('USER').at(-1);
    assert.ok(user !== undefined && !/^(root|0)(:|$)/.test(user), `final USER is ${user}`);
    assert.match(instructions('ENTRYPOINT').join(' '), /bin\/weir\.js/);
    assert.ok(instructions('HEALTHCHECK').some((line) => line.includes('/health')) || /HEALTHCHECK[\s\S]*\/health/.test(dockerfile));
  });

  it('installs production dependencies only, patched like npm ci patches them, and onnxruntime without CUDA', async () => {
    assert.match(dockerfile, /npm ci --omit=dev/);
    // Install scripts are off in the image: whatever the project's own postinstall does must run explicitly.
    const postinstall = (JSON.parse(await readText('package.json')) as { scripts: Record<string, string> }).scripts.postinstall;
    if (postinstall !== undefined) assert.ok(dockerfile.includes(`npx --no-install ${postinstall}`), `the Dockerfile does not run the postinstall '${postinstall}'`);
    assert.match(dockerfile, /ENV ONNXRUNTIME_NODE_INSTALL=skip/);
    assert.doesNotMatch(dockerfile, /onnxruntime-node-install(=cuda|-cuda)|ONNXRUNTIME_NODE_INSTALL=(cuda|true)/i);
    assert.doesNotMatch(dockerfile, /nvidia|cudnn/i);
  });

  it('leaves local state, dependencies and tests out of the build context', async () => {
    const ignored = (await readText('.dockerignore')).split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', '.stack', '.git', 'test']) assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
  });
});
