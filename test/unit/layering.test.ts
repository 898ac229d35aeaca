import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layers of ../../DESIGN (bin → engine → operators, connectors, state → contracts) as a test: every relative
 * import of every TypeScript file, type-only ones included, is read; an import that runs against the layers, or a
 * cycle between files, fails with the files named.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Folder → the folders of Weir it may import. Others (tests, benches, scripts) may import anything. */
const allowed: Record<string, readonly string[]> = {
  contracts: [],
  schemas: ['contracts'],
  state: ['contracts'],
  connectors: ['contracts', 'schemas', 'delta', 'media'],
  operators: ['contracts', 'schemas', 'audio', 'media', 'drift'],
  engine: ['contracts', 'schemas', 'state', 'connectors', 'operators'],
  bin: ['contracts', 'schemas', 'state', 'connectors', 'operators', 'engine', 'delta'],
  audio: ['models'],
  media: [],
  drift: [],
  delta: [],
};

function sources(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.m?ts$/.test(name) && !name.endsWith('.d.ts')) files.push(path);
    }
  };
  walk('.');
  return files.map((file) => normalize(file));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const base = normalize(join(dirname(file), (match[1] ?? match[2]) as string)).replace(/\.m?js$/, '');
    const target = [`${base}.ts`, `${base}.mts`, join(base, 'index.ts')].find((candidate) => existsSync(join(root, candidate)));
    if (target !== undefined) targets.push(target);
  }
  return targets;
}

const folderOf = (file: string): string => (file.includes('/') ? (file.split('/')[0] as string) : '.');

test('no folder imports a layer above it', () => {
  const upward: string[] = [];
  for (const file of sources()) {
    const from = folderOf(file);
    const permitted = allowed[from];
    if (permitted === undefined) continue;
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to !== from && !permitted.includes(to)) upward.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no import cycle between files', () => {
  const files = sources();
  const edges = new Map(files.map((file) => [file, importsOf(file)]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const target of edges.get(file) ?? []) {
      if (state.get(target) === 'open') cycles.push([...path.slice(path.indexOf(target)), target].map((step) => relative('.', step)).join(' → '));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});
