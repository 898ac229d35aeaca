import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const stackScript = fileURLToPath(new URL('../../deploy/local/stack', import.meta.url));
const run = promisify(execFile);

export type StackService = 'kafka' | 'redis' | 'neo4j';

/** Stops a service of the local stack (SIGTERM, SIGKILL after its timeout). */
export async function stopService(service: StackService): Promise<void> {
  await run('bash', [stackScript, 'down', service], { timeout: 120_000 });
}

/** Starts a service of the local stack and waits until it answers. */
export async function startService(service: StackService): Promise<void> {
  await run('bash', [stackScript, 'up', service], { timeout: 300_000 });
}

/** Stops a service, keeps it down for `downMs`, starts it again; resolves with the whole outage in ms. */
export async function restartService(service: StackService, downMs = 0): Promise<number> {
  const started = Date.now();
  await stopService(service);
  if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
  await startService(service);
  return Date.now() - started;
}
