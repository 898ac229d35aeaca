import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../../media/decode-image.js';
import { MediaError } from '../../../media/media-error.js';
import { hammingDistance } from '../../../media/near-duplicate.js';
import { PerceptualHasher, phash } from '../../../media/phash.js';

const fixtures = fileURLToPath(new URL('../../fixtures/media/', import.meta.url));
const readFixture = (file: string): Buffer => readFileSync(fixtures + file);

interface Golden {
  file: string;
  phash: string;
  photo: string;
  transform: string;
}
const golden = JSON.parse(readFixture('phash-golden.json').toString('utf8')) as Golden[];

test('pHash equals imagehash.phash on every fixture: ≥ 95 % exact, never more than 2 bits off', async (t) => {
  const hasher = new PerceptualHasher();
  const histogram = new Map<number, number>();
  const byTransform = new Map<string, { exact: number; total: number }>();
  const misses: string[] = [];
  for (const entry of golden) {
    const distance = hammingDistance(await hasher.hash(readFixture(entry.file)), entry.phash);
    histogram.set(distance, (histogram.get(distance) ?? 0) + 1);
    const tally = byTransform.get(entry.transform) ?? { exact: 0, total: 0 };
    tally.total++;
    if (distance === 0) tally.exact++;
    else misses.push(`${entry.file}: ${distance} bits`);
    byTransform.set(entry.transform, tally);
  }
  const exact = histogram.get(0) ?? 0;
  const worst = Math.max(...histogram.keys());
  t.diagnostic(`exact ${exact}/${golden.length} (${((100 * exact) / golden.length).toFixed(1)} %), max distance ${worst}`);
  t.diagnostic(`Hamming distance histogram: ${[...histogram].sort(([a], [b]) => a - b).map(([d, n]) => `${d}:${n}`).join(' ')}`);
  t.diagnostic(`exact by transform: ${[...byTransform].map(([name, { exact: e, total }]) => `${name} ${e}/${total}`).join(', ')}`);
  if (misses.length > 0) t.diagnostic(`not exact: ${misses.join(', ')}`);
  assert.ok(golden.length >= 150, `only ${golden.length} fixtures`);
  assert.ok(exact / golden.length >= 0.95, `${exact}/${golden.length} exact`);
  assert.ok(worst <= 2, `max distance ${worst}`);
});

test('every layout fixture (palette, 16-bit, CMYK, alpha, EXIF, ICC, GIF, WebP) hashes exactly', async () => {
  const layouts = golden.filter((entry) => !['original', 'half', 'q60', 'crop2', 'bright10', 'grey', 'strip'].includes(entry.transform));
  assert.ok(layouts.length >= 30, `only ${layouts.length} layout fixtures`);
  for (const entry of layouts) assert.equal(await phash(readFixture(entry.file)), entry.phash, entry.file);
});

test('a hash is 16 lowercase hex characters and the same across calls and instances', async () => {
  const bytes = readFixture(golden[0]!.file);
  const first = await phash(bytes);
  assert.match(first, /^[0-9a-f]{16}$/);
  assert.equal(await new PerceptualHasher().hash(bytes), first);
  const hasher = new PerceptualHasher();
  const concurrent = await Promise.all(golden.slice(0, 12).map((entry) => hasher.hash(readFixture(entry.file))));
  assert.deepEqual(concurrent, golden.slice(0, 12).map((entry) => entry.phash));
});

test('the decoder keeps samples as stored: 16-bit stays 16-bit, CMYK stays CMYK, no EXIF rotation', async () => {
  const rotated = await decodeImage(readFixture('autumn-exif-rotated.jpg'));
  const plain = await decodeImage(readFixture('autumn-progressive.jpg'));
  assert.deepEqual([rotated.width, rotated.height], [plain.width, plain.height]);
  assert.ok(plain.width > plain.height, 'the landscape photo was rotated');
  assert.deepEqual(pick(await decodeImage(readFixture('autumn-grey16.png'))), { layout: 'grey', bitsPerSample: 16 });
  assert.deepEqual(pick(await decodeImage(readFixture('autumn-rgb16.png'))), { layout: 'rgb', bitsPerSample: 16 });
  assert.deepEqual(pick(await decodeImage(readFixture('autumn-cmyk.jpg'))), { layout: 'cmyk', bitsPerSample: 8 });
  assert.deepEqual(pick(await decodeImage(readFixture('autumn-alpha.png'))), { layout: 'rgba', bitsPerSample: 8 });
  assert.deepEqual(pick(await decodeImage(readFixture('autumn-grey.jpg'))), { layout: 'grey', bitsPerSample: 8 });
});

function pick(image: { layout: string; bitsPerSample: number }): { layout: string; bitsPerSample: number } {
  return { layout: image.layout, bitsPerSample: image.bitsPerSample };
}

async function rejection(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MediaError, `not a MediaError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a MediaError');
}

test('bad inputs are refused with a reason: undecodable, truncated, too large, too many pixels', async () => {
  const jpeg = readFixture('autumn.jpg');
  const garbage = await rejection(phash(new TextEncoder().encode('this is not an image')));
  assert.equal(garbage.reason, 'undecodable');
  assert.equal(garbage.retriable, false);
  assert.equal((await rejection(phash(new Uint8Array(0)))).reason, 'undecodable');
  assert.equal((await rejection(phash(jpeg.subarray(0, jpeg.length >>> 1)))).reason, 'undecodable');
  const tooLarge = await rejection(phash(jpeg, { maxBytes: 1000, maxPixels: 1e8 }));
  assert.equal(tooLarge.reason, 'too-large');
  assert.match(tooLarge.message, /1000/);
  const tooMany = await rejection(phash(jpeg, { maxBytes: 1e8, maxPixels: 640 * 100 }));
  assert.equal(tooMany.reason, 'too-many-pixels');
  assert.match(tooMany.message, /640×400/);
});
