import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The stack directory deploy/local/stack uses (WEIR_STACK_DIR, else <repo>/.stack). */
export const stackDir = process.env.WEIR_STACK_DIR ?? join(repositoryRoot, '.stack');

export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly promtool: string;
}

/**
 * Prometheus and promtool as the local stack unpacks them from Debian's package; installs them first when
 * they are missing (`deploy/local/stack install prometheus`: apt-get download + dpkg -x, nothing started).
 */
export async function prometheusBinaries(): Promise<PrometheusBinaries> {
  const bin = join(stackDir, 'prometheus', 'dist', 'usr', 'bin');
  const binaries = { prometheus: join(bin, 'prometheus'), promtool: join(bin, 'promtool') };
  if (!existsSync(binaries.prometheus) || !existsSync(binaries.promtool)) {
    await run('bash', [join(repositoryRoot, 'deploy/local/stack'), 'install', 'prometheus'], { env: { ...process.env, WEIR_STACK_DIR: stackDir } });
  }
  return binaries;
}

/** Metric names listed in deploy/prometheus/METRICS.md (first column of its tables). */
export async function documentedMetrics(): Promise<Set<string>> {
  const text = await readFile(join(repositoryRoot, 'deploy/prometheus/METRICS.md'), 'utf8');
  return new Set([...text.matchAll(/^\| `([a-zA-Z_][a-zA-Z0-9_]*)`/gm)].map((match) => match[1] as string));
}

/** The metrics of METRICS.md's "Exported today" section: those a running worker serves now. */
export async function exportedMetrics(): Promise<Set<string>> {
  const text = await readFile(join(repositoryRoot, 'deploy/prometheus/METRICS.md'), 'utf8');
  const section = /^## Exported today\n([\s\S]*?)^## /m.exec(text)?.[1] ?? '';
  return new Set([...section.matchAll(/^\| `([a-zA-Z_][a-zA-Z0-9_]*)`/gm)].map((match) => match[1] as string));
}

/**
 * The metric names a PromQL expression reads: identifiers outside string literals that are not functions,
 * keywords, label names or recording rules (those contain a colon), with a histogram's _bucket/_count/_sum
 * suffix removed when `histograms` names its base.
 */
export function metricsRead(expr: string, histograms: ReadonlySet<string>): { metrics: Set<string>; recorded: Set<string> } {
  const code = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}') // label matchers
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // grouping label lists
    .replace(/\[[^\]]*\]/g, '[]'); // ranges and subqueries
  const metrics = new Set<string>();
  const recorded = new Set<string>();
  for (const match of code.matchAll(/(?<![\w.$:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    const name = match[1] as string;
    if (name.includes(':')) recorded.add(name);
    else if (!promqlWords.has(name) && !/^\d/.test(name)) metrics.add(baseName(name, histograms));
  }
  return { metrics, recorded };
}

const promqlWords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'le']);

function baseName(name: string, histograms: ReadonlySet<string>): string {
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return base !== name && histograms.has(base) ? base : name;
}

/** Names whose METRICS.md row says `histogram`. */
export async function documentedHistograms(): Promise<Set<string>> {
  const text = await readFile(join(repositoryRoot, 'deploy/prometheus/METRICS.md'), 'utf8');
  return new Set([...text.matchAll(/^\| `([a-zA-Z_][a-zA-Z0-9_]*)` \| histogram \|/gm)].map((match) => match[1] as string));
}
