import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * File-based service discovery for Prometheus (`file_sd_configs`): a worker announces its ops address in a
 * directory Prometheus watches, and takes it back on shutdown, so scaling out needs no configuration edit.
 * The contract (file name, content, atomic write, stale files) is described in deploy/prometheus/README.md.
 *
 *   const announcement = announce(process.env.WEIR_PROMETHEUS_SD_DIR, { topology: 'quickstart', address: '127.0.0.1:9464', pid: process.pid });
 *   …
 *   announcement.remove();   // on shutdown; synchronous, so it also fits a process 'exit' handler
 */

export interface Announcement {
  /** The file written: `<dir>/weir-<topology>-<pid>.json`. */
  readonly file: string;
  /** Deletes the file; a file already gone is not an error. */
  remove(): void;
}

export interface WorkerTarget {
  /** The topology's name (kebab-case), also the `topology` label of the target. */
  readonly topology: string;
  /** `host:port` of the worker's ops endpoint (`[::1]:9464` for IPv6); a wildcard host is announced as loopback. */
  readonly address: string;
  readonly pid: number;
}

/** One target group of Prometheus' file-based discovery format. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

const fileName = /^weir-([a-z][a-z0-9-]*)-(\d+)\.json$/;

export function targetFile(dir: string, target: Pick<WorkerTarget, 'topology' | 'pid'>): string {
  return join(dir, `weir-${target.topology}-${target.pid}.json`);
}

export function targetGroups(target: WorkerTarget): TargetGroup[] {
  return [{ targets: [scrapeAddress(target.address)], labels: { topology: target.topology, instance_pid: String(target.pid) } }];
}

/** Writes the worker's target file atomically (temporary file, then rename) after removing files of dead workers. */
export function announce(dir: string, target: WorkerTarget): Announcement {
  if (!/^[a-z][a-z0-9-]*$/.test(target.topology)) throw new TypeError(`announce: topology '${target.topology}' is not a kebab-case name`);
  if (!Number.isSafeInteger(target.pid) || target.pid <= 0) throw new TypeError(`announce: pid ${target.pid} is not a process id`);
  mkdirSync(dir, { recursive: true });
  removeStale(dir);
  const file = targetFile(dir, target);
  // The temporary name does not end in .json, so Prometheus never reads a half-written file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(targetGroups(target))}\n`);
  renameSync(temporary, file);
  return { file, remove: () => rmSync(file, { force: true }) };
}

/**
 * Deletes the target files of processes that no longer run on this host: a worker killed with SIGKILL leaves
 * its file behind (Prometheus then reports it down, which is what alerts on it); the next worker to start
 * clears it. The directory is per host: process ids mean nothing across hosts.
 */
export function removeStale(dir: string): string[] {
  const removed: string[] = [];
  for (const entry of readdirSync(dir)) {
    const pid = Number(fileName.exec(entry)?.[2]);
    if (Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid)) {
      rmSync(join(dir, entry), { force: true });
      removed.push(entry);
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `host:port` as Prometheus should scrape it: a wildcard listen host (`0.0.0.0`, `::`) becomes loopback. */
function scrapeAddress(address: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  if (match === null || Number(match[3]) > 65_535 || Number(match[3]) === 0) {
    throw new TypeError(`announce: '${address}' is not a host:port address with a bound port`);
  }
  const [, ipv6, host, port] = match;
  if (ipv6 !== undefined) return `[${ipv6 === '::' ? '::1' : ipv6}]:${port}`;
  return `${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}
