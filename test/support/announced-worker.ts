import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { announce } from '../../deploy/prometheus/sd-file.js';
import type { PrometheusServer } from './prometheus-server.js';
import { WorkerProcess } from './worker-process.js';

const observedTopology = fileURLToPath(new URL('../fixtures/topologies/observed.yaml', import.meta.url));

/**
 * A worker of test/fixtures/topologies/observed.yaml that `prometheus` scrapes: started with
 * WEIR_PROMETHEUS_SD_DIR, its ops address read from its log, stopped (SIGTERM) when the test ends. Until
 * workers announce themselves, this writes the worker's announcement (the same file, the same content).
 */
export async function startAnnouncedWorker(t: TestContext, prometheus: PrometheusServer, env: Record<string, string>): Promise<{ worker: WorkerProcess; address: string }> {
  const worker = new WorkerProcess(observedTopology, { ...env, WEIR_PROMETHEUS_SD_DIR: prometheus.targetsDir });
  worker.start();
  t.after(() => worker.kill('SIGTERM'));
  const line = await worker.waitForLog(/"ops endpoint listening"/, 60_000);
  const address = new URL((JSON.parse(line) as { url: string }).url).host;
  const announcement = announce(prometheus.targetsDir, { topology: env.TOPOLOGY_NAME as string, address, pid: worker.pid as number });
  t.after(() => announcement.remove());
  return { worker, address };
}
