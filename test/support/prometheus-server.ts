import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { prometheusBinaries, repositoryRoot } from './prometheus-tools.js';

const run = promisify(execFile);

/** A Prometheus of its own for one test file, started and stopped by deploy/local/stack in a stack directory under /tmp. */
export interface PrometheusServer {
  readonly url: string;
  /** Where workers announce themselves (file-based discovery): give it to them as WEIR_PROMETHEUS_SD_DIR. */
  readonly targetsDir: string;
  query(expr: string): Promise<PromSample[]>;
  alerts(): Promise<PromAlert[]>;
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string; labels: Record<string, string> }[]>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface PrometheusOptions {
  /** Rule files to load (`*.yml` of this directory). */
  readonly rulesDir: string;
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
}

/** Port: WEIR_TEST_PROMETHEUS_PORT when set, else a free one. The binaries are the local stack's (installed if missing). */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const { prometheus } = await prometheusBinaries();
  const stackDir = await mkdtemp(join(tmpdir(), 'weir-test-prometheus-'));
  // Share the unpacked package instead of unpacking it again into every test's stack directory.
  await mkdir(join(stackDir, 'prometheus'), { recursive: true });
  await symlink(dirname(dirname(dirname(prometheus))), join(stackDir, 'prometheus', 'dist'));
  const port = Number(process.env.WEIR_TEST_PROMETHEUS_PORT ?? (await freePort()));
  const env = {
    ...process.env,
    WEIR_STACK_DIR: stackDir,
    PROMETHEUS_PORT: String(port),
    PROMETHEUS_RULES_DIR: options.rulesDir,
    PROMETHEUS_SCRAPE_INTERVAL: options.scrapeInterval,
    PROMETHEUS_EVALUATION_INTERVAL: options.evaluationInterval,
    WEIR_STACK_START_TIMEOUT: '60',
    WEIR_STACK_STOP_TIMEOUT: '20',
  };
  const stack = (command: string): Promise<unknown> => run('bash', [join(repositoryRoot, 'deploy/local/stack'), command, 'prometheus'], { env });
  try {
    await stack('up');
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    await rm(stackDir, { recursive: true, force: true });
    throw new Error(`prometheus did not start on port ${port}: ${failed.stderr ?? failed.message}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    targetsDir: join(stackDir, 'prometheus', 'targets'),
    query: async (expr) => (await api<{ result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts: async () => (await api<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts,
    targets: async () => (await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string; labels: Record<string, string> }[] }>('/api/v1/targets?state=active')).activeTargets,
    log: () => readFile(join(stackDir, 'prometheus', 'prometheus.log'), 'utf8').catch(() => ''),
    async stop() {
      try {
        await stack('down');
      } finally {
        await rm(stackDir, { recursive: true, force: true });
      }
    },
  };
}
