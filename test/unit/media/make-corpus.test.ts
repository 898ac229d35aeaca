import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hammingDistance } from '../../../media/near-duplicate.js';
import { PerceptualHasher } from '../../../media/phash.js';

const script = fileURLToPath(new URL('../../../scripts/media/make-corpus.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'weir-media-corpus-'));
after(() => rmSync(out, { recursive: true, force: true }));

interface Entry {
  file: string;
  kind: 'original' | 'byte-identical' | 'resized';
  duplicateOf?: string;
}

test('the benchmark corpus has the asked share of re-uploads, each after its original and hashing like it', async () => {
  execFileSync(process.execPath, ['--import', 'tsx', script, '--out', out, '--count', '30', '--seed', '7', '--width', '320', '--height', '240'], { stdio: 'pipe' });
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { images: Entry[] };
  assert.equal(manifest.images.length, 30);
  const duplicates = manifest.images.filter((entry) => entry.duplicateOf !== undefined);
  assert.equal(duplicates.length, 9);
  assert.equal(manifest.images[0]!.kind, 'original');
  const position = new Map(manifest.images.map((entry, i) => [entry.file, i]));
  const hasher = new PerceptualHasher();
  const hashOf = async (file: string): Promise<string> => hasher.hash(readFileSync(join(out, file)));
  for (const entry of duplicates) {
    const original = manifest.images[position.get(entry.duplicateOf!)!]!;
    assert.equal(original.kind, 'original');
    assert.ok(position.get(original.file)! < position.get(entry.file)!, `${entry.file} comes before its original`);
    if (entry.kind === 'byte-identical') assert.deepEqual(readFileSync(join(out, entry.file)), readFileSync(join(out, original.file)));
    else assert.ok(hammingDistance(await hashOf(entry.file), await hashOf(original.file)) <= 6, `${entry.file} is far from ${original.file}`);
  }
  const originals = await Promise.all(manifest.images.filter((entry) => entry.kind === 'original').map((entry) => hashOf(entry.file)));
  assert.equal(new Set(originals).size, originals.length, 'two originals hash alike');
  // Same seed, same corpus.
  const again = mkdtempSync(join(tmpdir(), 'weir-media-corpus-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', script, '--out', again, '--count', '30', '--seed', '7', '--width', '320', '--height', '240'], { stdio: 'pipe' });
    assert.deepEqual(readFileSync(join(again, 'manifest.json')), readFileSync(join(out, 'manifest.json')));
    assert.deepEqual(readFileSync(join(again, 'img-000030.jpg')), readFileSync(join(out, 'img-000030.jpg')));
  } finally {
    rmSync(again, { recursive: true, force: true });
  }
});
