import { execFile } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = fileURLToPath(new URL('./ReadCommitted.java', import.meta.url));
const run = promisify(execFile);

export interface ReferenceRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

const stackDir = (): string => process.env.WEIR_STACK_DIR ?? join(root, '.stack');

/** Compiles the reader once into the stack folder (recompiled when the source is newer). */
async function compiled(classpath: string): Promise<string> {
  const out = join(stackDir(), 'test-classes');
  const classFile = join(out, 'ReadCommitted.class');
  const [sourceTime, classTime] = await Promise.all([stat(source).then((s) => s.mtimeMs), stat(classFile).then((s) => s.mtimeMs, () => 0)]);
  if (classTime < sourceTime) {
    await mkdir(out, { recursive: true });
    await run('javac', ['-nowarn', '-cp', classpath, '-d', out, source], { timeout: 120_000 });
  }
  return out;
}

/**
 * Reads a whole topic with Kafka's own Java consumer (read_committed), the client-independent reference the
 * tests compare Weir's reader with. Uses the jars of the local stack's Kafka.
 */
export async function readCommittedReference(brokers: readonly string[], topic: string): Promise<ReferenceRecord[]> {
  const libs = join(stackDir(), 'kafka', 'libs', '*');
  const classes = await compiled(libs);
  const { stdout } = await run('java', ['-Dlog4j.configuration=file:/dev/null', '-cp', `${classes}:${libs}`, 'ReadCommitted', brokers.join(','), topic], {
    maxBuffer: 1 << 30,
    timeout: 180_000,
  });
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ReferenceRecord);
}
