import { history } from './delta-table.js';
import { DeltaUsageError } from './errors.js';
import { optimize } from './optimize.js';
import { readTable } from './table-reader.js';
import { DEFAULT_RETENTION_HOURS, vacuum } from './vacuum.js';

/**
 * The `weir delta history|read|optimize|vacuum` commands as plain functions: options arrive as the CLI
 * parsed them (strings, flags), are checked here with errors that name the option, and the result is the
 * lines to print. The CLI only has to route arguments and write the lines to stdout.
 */

export interface HistoryOptions {
  /** One JSON object per version instead of the text table. */
  readonly json?: boolean;
  /** Newest versions only. */
  readonly limit?: string;
}

export interface ReadCommandOptions {
  readonly version?: string;
  /** ISO-8601 date-time or epoch milliseconds. */
  readonly asOf?: string;
  /** Partition filters, `column=value` (serialised value; repeat the option for several columns). */
  readonly partition?: readonly string[];
  readonly limit?: string;
}

export interface OptimizeCommandOptions {
  readonly targetFileMb?: string;
  readonly partition?: readonly string[];
}

export interface VacuumCommandOptions {
  readonly retentionHours?: string;
  readonly dryRun?: boolean;
}

function integer(option: string, text: string | undefined, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw new DeltaUsageError(`--${option} ${text}: expected an integer ≥ ${minimum}`);
  return value;
}

function positive(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new DeltaUsageError(`--${option} ${text}: expected a positive number`);
  return value;
}

function instant(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value)) throw new DeltaUsageError(`--as-of ${text}: expected an ISO-8601 date-time or epoch milliseconds`);
  return value;
}

function partitions(filters: readonly string[] | undefined): Record<string, string | null> | undefined {
  if (!filters || filters.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const filter of filters) {
    const at = filter.indexOf('=');
    if (at <= 0) throw new DeltaUsageError(`--partition ${filter}: expected column=value`);
    out[filter.slice(0, at)] = filter.slice(at + 1) === '' ? null : filter.slice(at + 1);
  }
  return out;
}

/** JSON for a row: bytes as base64 (Weir's JSON mapping). */
function rowJson(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_key, value: unknown) => {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return Buffer.from((value as { data: number[] }).data).toString('base64');
    }
    return value;
  });
}

export async function deltaHistory(table: string, options: HistoryOptions = {}): Promise<string[]> {
  const limit = integer('limit', options.limit, 1);
  const entries = (await history(table)).slice(0, limit);
  if (options.json) return entries.map((entry) => JSON.stringify(entry));
  return [
    'version  timestamp                 operation         +files  -files  transactions',
    ...entries.map((h) =>
      [
        String(h.version).padEnd(8),
        new Date(h.timestamp).toISOString().padEnd(25),
        h.operation.padEnd(17),
        String(h.addedFiles).padEnd(7),
        String(h.removedFiles).padEnd(7),
        h.txns.map((txn) => `${txn.appId}=${txn.version}`).join(' '),
      ].join(' '),
    ),
  ];
}

export async function deltaRead(table: string, options: ReadCommandOptions = {}): Promise<string[]> {
  const limit = integer('limit', options.limit, 0);
  const result = await readTable(table, { version: integer('version', options.version, 0), asOf: instant(options.asOf), partitions: partitions(options.partition) });
  return result.rows.slice(0, limit).map(rowJson);
}

export async function deltaOptimize(table: string, options: OptimizeCommandOptions = {}): Promise<string[]> {
  const targetMb = positive('target-file-mb', options.targetFileMb);
  const result = await optimize(table, { targetFileBytes: targetMb === undefined ? undefined : Math.round(targetMb * 1024 * 1024), partitions: partitions(options.partition) });
  if (result.version === undefined) return ['nothing to compact'];
  return [
    `version ${result.version}: ${result.filesRemoved} files → ${result.filesAdded} in ${result.partitionsOptimized} partitions, ${result.rows} rows, ${result.bytesRemoved} → ${result.bytesAdded} bytes`,
  ];
}

export async function deltaVacuum(table: string, options: VacuumCommandOptions = {}): Promise<string[]> {
  const retentionHours = positive('retention-hours', options.retentionHours) ?? DEFAULT_RETENTION_HOURS;
  const result = await vacuum(table, { retentionHours, dryRun: options.dryRun });
  const verb = result.dryRun ? 'would delete' : 'deleted';
  return [...result.files, `${verb} ${result.files.length} files (${result.bytes} bytes); retention ${result.retentionHours} h keeps versions ≥ ${result.oldestRetainedVersion}`];
}
