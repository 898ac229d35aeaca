import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { repositoryRoot } from './prometheus-tools.js';

/** A `weir run` worker process whose ops endpoint listens on a free port of 127.0.0.1. */
export interface WorkerProcess {
  /** `host:port` of /metrics, /health and /ready. */
  readonly address: string;
  readonly pid: number;
  log(): string;
  /** SIGTERM (the drain) and wait for the exit. */
  stop(): Promise<void>;
}

export async function startWorker(topologyFile: string, env: Record<string, string>, timeoutMs = 60_000): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['bin/weir.js', 'run', topologyFile, '--metrics-address', '127.0.0.1:0'], {
    cwd: repositoryRoot,
    env: { ...process.env, WEIR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const address = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not serve its ops endpoint within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const url = /"msg":"ops endpoint listening"[^\n]*"url":"http:\/\/([^"]+)"/.exec(log)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before serving its ops endpoint:\n${log}`));
    });
  });
  const bound = await address;
  return {
    address: bound,
    pid: child.pid as number,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
