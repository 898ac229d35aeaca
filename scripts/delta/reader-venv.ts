import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The Python environment of the Delta cross-check readers (delta-rs, DuckDB, pyarrow), pinned by
 * scripts/delta/requirements.txt: made under .stack/venv-delta on first use (pip, from PyPI, through pip's
 * cache), made again when the requirements change. Returns the venv's python.
 */

const run = promisify(execFile);
const repository = fileURLToPath(new URL('../../', import.meta.url));
export const CROSSCHECK_SCRIPT = join(repository, 'scripts', 'delta', 'crosscheck.py');

export async function readerPython(): Promise<string> {
  const venv = process.env.WEIR_DELTA_VENV ?? join(repository, '.stack', 'venv-delta');
  const python = join(venv, 'bin', 'python');
  const requirements = join(repository, 'scripts', 'delta', 'requirements.txt');
  const stamp = join(venv, 'requirements.sha256');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;
  mkdirSync(venv, { recursive: true });
  await run('python3', ['-m', 'venv', '--clear', venv], { timeout: 120_000 });
  await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', requirements], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 });
  writeFileSync(stamp, wanted);
  return python;
}
