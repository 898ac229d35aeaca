import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const weirBin = fileURLToPath(new URL('../../bin/weir.js', import.meta.url));

/** Where worker logs go: `$WEIR_TEST_LOG_DIR`, else a folder under the system's temporary directory. */
export const testLogDir = process.env.WEIR_TEST_LOG_DIR ?? join(tmpdir(), 'weir-test-logs');

let workerCount = 0;

/**
 * One `weir run` worker process. Its whole log (every start) goes to a file, kept after the test, and to memory,
 * so a test can wait for a log line and print the tail on failure.
 */
export class WorkerProcess {
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private lines: string[] = [];
  private stopping = false;
  private startedAtLine = 0;
  private waiters: { pattern: RegExp; from: number; resolve: (line: string) => void }[] = [];
  /** Exits this harness did not cause (a crash is a bug), with the log lines before them. */
  readonly unexpectedExits: string[] = [];

  constructor(
    private readonly topologyFile: string,
    private readonly env: Record<string, string>,
    name = `worker-${++workerCount}`,
  ) {
    mkdirSync(testLogDir, { recursive: true });
    this.logFile = join(testLogDir, `${env.TOPOLOGY_NAME ?? 'weir'}.${name}.${process.pid}.log`);
  }

  /** Starts the worker; `extraEnv` applies to this start only (e.g. WEIR_FAULTS). */
  start(extraEnv: Record<string, string> = {}): void {
    const child = spawn(process.execPath, [weirBin, 'run', this.topologyFile, '--metrics-address', '127.0.0.1:0'], {
      env: { ...process.env, WEIR_LOG_LEVEL: 'info', ...this.env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.startedAtLine = this.lines.length;
    this.append(`--- start pid ${child.pid} ${JSON.stringify(extraEnv)}`);
    let partial = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line !== '') this.append(line);
    });
    child.on('exit', (code, signal) => {
      this.append(`--- exit ${code ?? signal}`);
      if (!this.stopping) this.unexpectedExits.push(`exit ${code ?? signal}:\n${this.lines.slice(-10).join('\n')}`);
    });
    this.stopping = false;
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): readonly string[] {
    return this.lines;
  }

  /** The last lines of the log and where the whole of it is. */
  tail(lines = 20): string {
    return `${this.lines.slice(-lines).join('\n')}\n(whole log: ${this.logFile})`;
  }

  /** Number of log lines so far: pass it to `waitForLog` to wait for a line that comes after now. */
  get logLength(): number {
    return this.lines.length;
  }

  /** Resolves with the first log line matching `pattern` (from line `from` on); fails at the deadline, saying what it waited for. */
  waitForLog(pattern: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const found = this.lines.slice(from).find((line) => pattern.test(line));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error(`worker log showed no line matching ${pattern} within ${timeoutMs} ms; tail:\n${this.tail(10)}`));
      }, timeoutMs);
      const done = (line: string): void => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push({ pattern, from, resolve: done });
    });
  }

  /**
   * The sum of a metric's samples on the worker's /metrics (since its last start), e.g.
   * `weir_end_to_end_latency_seconds_count`: how much it has committed.
   */
  async metric(name: string, timeoutMs = 30_000): Promise<number> {
    const text = (await this.get('/metrics', timeoutMs)).body;
    let sum = 0;
    for (const sample of text.split('\n')) {
      if (sample.startsWith(`${name}{`) || sample.startsWith(`${name} `)) sum += Number(sample.slice(sample.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  /** GET on the worker's ops endpoint (`/metrics`, `/health`, `/ready`), once it listens. */
  async get(path: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
    const line = await this.waitForLog(/"ops endpoint listening"/, timeoutMs, this.startedAtLine);
    const url = (JSON.parse(line) as { url: string }).url;
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  }

  /** Sends a signal that does not end the process (SIGSTOP, SIGCONT). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.child === undefined || !this.running) throw new Error(`cannot send ${signal}: the worker is not running`);
    this.append(`--- ${signal}`);
    this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit: its code (null when killed by a signal) and how long it took. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const child = this.child;
    if (child === undefined || !this.running) return { code: child?.exitCode ?? null, ms: 0 };
    const started = Date.now();
    this.stopping = true;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill(signal);
    // A stopped process only acts on SIGKILL; let it run again so it can drain.
    if (signal !== 'SIGKILL') child.kill('SIGCONT');
    const [code] = await exited;
    return { code, ms: Date.now() - started };
  }

  private append(line: string): void {
    this.lines.push(line);
    appendFileSync(this.logFile, `${line}\n`);
    const index = this.lines.length - 1;
    for (const waiter of [...this.waiters]) {
      if (index >= waiter.from && waiter.pattern.test(line)) {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        waiter.resolve(line);
      }
    }
  }
}
