import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_PREFIX } from './log-store.js';

/**
 * A fingerprint of a table's files: every log file (commits, checkpoints, `_last_checkpoint`) and every
 * data file, in path order, each by path, size and SHA-256 of its bytes. Two runs that wrote the same
 * records in the same batches give the same hash; temporary files of writers in progress are left out.
 */

export interface HashedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface TableHash {
  readonly sha256: string;
  readonly files: readonly HashedFile[];
}

async function listFiles(root: string, relative: string, out: string[]): Promise<void> {
  for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) await listFiles(root, path, out);
    else if (entry.isFile()) out.push(path);
  }
}

export async function tableHash(root: string): Promise<TableHash> {
  const paths: string[] = [];
  await listFiles(root, '', paths);
  paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: HashedFile[] = [];
  const total = createHash('sha256');
  for (const path of paths) {
    const bytes = await readFile(join(root, path));
    const file = { path, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
    files.push(file);
    total.update(`${file.path}\t${file.size}\t${file.sha256}\n`);
  }
  return { sha256: total.digest('hex'), files };
}
