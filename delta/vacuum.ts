import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DeltaTable } from './delta-table.js';
import { DeltaUsageError } from './errors.js';
import { LOG_DIRECTORY, TEMP_PREFIX } from './log-store.js';
import { uriToPath } from './table-layout.js';

/**
 * VACUUM: deletes data files that no version within the retention period references — the orphans of
 * crashed or lost writers, and files removed by optimize once no retained version needs them.
 *
 * Retention is measured on the wall clock, from the commit files' modification times (when each version
 * really was committed; the commit clock inside the log follows event time and cannot say that). The
 * retained versions are the one current at `now − retention` and every later one; a file is kept when any
 * of them references it. Files modified within the retention are kept whatever the log says: they may belong
 * to a writer that has not committed yet. So the retention must exceed both the longest read of an old
 * version and the longest time between writing a data file and committing it.
 *
 * A writer also checks its files after committing and rewrites any that vacuum deleted in the instant
 * between its last check and the commit (deterministic names and bytes make that a plain rewrite).
 *
 * Only `*.parquet` files and stale temporary files (`.weir-tmp-*`) are candidates; the log, `_`- and
 * `.`-prefixed directories and any other file are never touched. Default retention 168 hours (7 days, as
 * Delta's `delta.deletedFileRetentionDuration`); the minimum is 1 hour.
 */

export const DEFAULT_RETENTION_HOURS = 168;
export const MIN_RETENTION_HOURS = 1;

export interface VacuumOptions {
  readonly retentionHours?: number;
  /** List what would be deleted, delete nothing. */
  readonly dryRun?: boolean;
  /** The wall clock (epoch ms); default `Date.now()`. */
  readonly now?: number;
}

export interface VacuumResult {
  readonly dryRun: boolean;
  readonly retentionHours: number;
  /** Oldest version whose files were protected. */
  readonly oldestRetainedVersion: number;
  /** Files deleted (or, in a dry run, that would be), relative to the table root, sorted. */
  readonly files: readonly string[];
  readonly bytes: number;
}

interface Found {
  readonly relative: string;
  readonly size: number;
  readonly mtimeMs: number;
}

async function walk(root: string, relative: string, out: Found[]): Promise<void> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('_') && !entry.name.startsWith('.')) await walk(root, path, out);
    } else if (entry.isFile() && (entry.name.endsWith('.parquet') || entry.name.startsWith(TEMP_PREFIX))) {
      const info = await stat(join(root, path));
      out.push({ relative: path, size: info.size, mtimeMs: info.mtimeMs });
    }
  }
}

async function staleLogTemps(root: string, cutoff: number): Promise<Found[]> {
  const out: Found[] = [];
  for (const name of await readdir(join(root, LOG_DIRECTORY))) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const info = await stat(join(root, LOG_DIRECTORY, name));
    if (info.mtimeMs < cutoff) out.push({ relative: `${LOG_DIRECTORY}/${name}`, size: info.size, mtimeMs: info.mtimeMs });
  }
  return out;
}

export async function vacuum(root: string, options: VacuumOptions = {}): Promise<VacuumResult> {
  const retentionHours = options.retentionHours ?? DEFAULT_RETENTION_HOURS;
  if (!Number.isFinite(retentionHours) || retentionHours < MIN_RETENTION_HOURS) {
    throw new DeltaUsageError(`vacuum: retention ${retentionHours} hours is below the safe minimum of ${MIN_RETENTION_HOURS} hour (readers of old versions and uncommitted writers need their files)`);
  }
  const cutoff = (options.now ?? Date.now()) - retentionHours * 3_600_000;
  const table = await DeltaTable.open(root);
  const latest = table.version;

  // The version current at the cutoff: the newest committed at or before it (0 when all are newer).
  let oldest = 0;
  for (let version = latest; version > 0; version--) {
    if ((await table.store.commitFileTime(version)) <= cutoff) {
      oldest = version;
      break;
    }
  }
  const referenced = new Set<string>();
  for (const path of (await table.snapshotAt(oldest)).files.keys()) referenced.add(uriToPath(path));
  for (let version = oldest + 1; version <= latest; version++) {
    for (const action of await table.store.readCommit(version)) if ('add' in action) referenced.add(uriToPath(action.add.path));
  }

  const found: Found[] = [];
  await walk(root, '', found);
  const doomed = [...found.filter((file) => file.mtimeMs < cutoff && !referenced.has(file.relative)), ...(await staleLogTemps(root, cutoff))];
  doomed.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  if (!options.dryRun) {
    for (const file of doomed) {
      // Stat again just before deleting: a writer replaying a batch rewrites a crashed attempt's file under the
      // same name (fresh modification time) and must find it there when it commits.
      const now = await stat(join(root, file.relative)).catch(() => undefined);
      if (now && now.mtimeMs < cutoff) await unlink(join(root, file.relative));
    }
  }
  return {
    dryRun: options.dryRun ?? false,
    retentionHours,
    oldestRetainedVersion: oldest,
    files: doomed.map((file) => file.relative),
    bytes: doomed.reduce((sum, file) => sum + file.size, 0),
  };
}
