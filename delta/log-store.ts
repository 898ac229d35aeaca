import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseCommit, serialiseCommit, type Action } from './actions.js';
import { DeltaLogError } from './errors.js';

/**
 * The table's files on the local file system: the `_delta_log` directory and durable, atomic file writes.
 *
 * A commit is made by creating the next version's file exclusively. The content is written to a temporary
 * file and fsynced first, then hard-linked to `NNNNNNNNNNNNNNNNNNNN.json`: link(2) fails with EEXIST when the
 * version exists, exactly like open(O_CREAT|O_EXCL), but the name only ever appears with its full content —
 * a reader never sees a half-written commit and a crash mid-write cannot leave a torn version that would
 * block the table. Checkpoints, `_last_checkpoint` and data files are written to a temporary file and
 * renamed into place (a rename replaces atomically; an identical file may be replaced by itself).
 * Temporary files are named `.weir-tmp-*`; vacuum removes stale ones.
 */

export const LOG_DIRECTORY = '_delta_log';
export const TEMP_PREFIX = '.weir-tmp-';
const LAST_CHECKPOINT = '_last_checkpoint';

const pad = (version: number): string => String(version).padStart(20, '0');
export const commitFileName = (version: number): string => `${pad(version)}.json`;
export const checkpointFileName = (version: number): string => `${pad(version)}.checkpoint.parquet`;

const COMMIT = /^(\d{20})\.json$/;
const CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;

export interface LogListing {
  /** Versions with a commit file, ascending. */
  readonly commits: readonly number[];
  /** Versions with a classic single-file checkpoint, ascending. */
  readonly checkpoints: readonly number[];
}

export interface LastCheckpoint {
  version: number;
  size: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function fsyncPath(path: string, flags: number): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to a fresh temporary file next to `target`, fsynced; returns its path. */
async function writeTemp(target: string, bytes: Uint8Array | string): Promise<string> {
  const directory = dirname(target);
  await mkdir(directory, { recursive: true });
  const temp = join(directory, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Writes a file atomically (temporary file, fsync, rename, fsync of the directory). */
export async function writeFileAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  const temp = await writeTemp(target, bytes);
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncPath(dirname(target), constants.O_RDONLY);
}

export class LogStore {
  readonly logDirectory: string;

  constructor(readonly root: string) {
    this.logDirectory = join(root, LOG_DIRECTORY);
  }

  commitPath(version: number): string {
    return join(this.logDirectory, commitFileName(version));
  }

  checkpointPath(version: number): string {
    return join(this.logDirectory, checkpointFileName(version));
  }

  async list(): Promise<LogListing> {
    let names: string[];
    try {
      names = await readdir(this.logDirectory);
    } catch (error) {
      if (isMissing(error)) return { commits: [], checkpoints: [] };
      throw error;
    }
    const commits: number[] = [];
    const checkpoints: number[] = [];
    for (const name of names) {
      const commit = COMMIT.exec(name);
      if (commit) commits.push(Number(commit[1]));
      const checkpoint = CHECKPOINT.exec(name);
      if (checkpoint) checkpoints.push(Number(checkpoint[1]));
    }
    const ascending = (a: number, b: number): number => a - b;
    return { commits: commits.sort(ascending), checkpoints: checkpoints.sort(ascending) };
  }

  /** The actions of one version; a missing version is a DeltaLogError. */
  async readCommit(version: number): Promise<Action[]> {
    const path = this.commitPath(version);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) throw new DeltaLogError(`table ${this.root} has no version ${version} (${path} is missing)`, { context: { table: this.root, version, file: path } });
      throw error;
    }
    return parseCommit(text, path);
  }

  /** Whether version `version` exists. */
  async hasCommit(version: number): Promise<boolean> {
    try {
      await stat(this.commitPath(version));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** Wall-clock time the version was committed: its file's modification time (never rewritten). */
  async commitFileTime(version: number): Promise<number> {
    return (await stat(this.commitPath(version))).mtimeMs;
  }

  /** Creates version `version` with `actions` unless it exists; false when another writer made it first. */
  async tryCommit(version: number, actions: readonly Action[]): Promise<boolean> {
    const target = this.commitPath(version);
    const temp = await writeTemp(target, serialiseCommit(actions));
    try {
      await link(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    await fsyncPath(this.logDirectory, constants.O_RDONLY);
    return true;
  }

  async readLastCheckpoint(): Promise<LastCheckpoint | undefined> {
    // An unreadable or malformed hint is no hint: the listing finds the checkpoints.
    try {
      const json = JSON.parse(await readFile(join(this.logDirectory, LAST_CHECKPOINT), 'utf8')) as LastCheckpoint;
      return Number.isInteger(json.version) ? json : undefined;
    } catch {
      return undefined;
    }
  }

  async writeLastCheckpoint(info: LastCheckpoint): Promise<void> {
    await writeFileAtomic(join(this.logDirectory, LAST_CHECKPOINT), JSON.stringify(info));
  }
}
