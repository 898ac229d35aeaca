/**
 * Writes a benchmark corpus of JPEGs with a known share of re-uploads, and a manifest saying which
 * image duplicates which:
 *   node --import tsx scripts/media/make-corpus.ts --out /tmp/weir-media-corpus [--count 1000]
 *        [--duplicate-share 0.3] [--seed 1] [--width 640] [--height 480]
 * Originals are seeded random crops (40–100 % of the side, anywhere, sometimes mirrored) of the
 * photos in test/fixtures/media, resized to width × height; distinct crops give distinct pHashes
 * in practice, but the manifest records the crop so a verifier can tell. Each re-upload follows its
 * original in file order and is either byte-identical or a resized, re-encoded copy (50–90 %):
 * most resized copies hash exactly like their original, some a few bits away (≤ 4 in a 200-image
 * run). Originals drawn from the same photo can be close (≥ 2 bits apart in that run).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

interface CorpusEntry {
  file: string;
  kind: 'original' | 'byte-identical' | 'resized';
  duplicateOf?: string;
  source?: { photo: string; crop: [number, number, number, number]; mirrored: boolean; quality: number };
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    count: { type: 'string', default: '1000' },
    'duplicate-share': { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '1' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '480' },
  },
});
if (values.out === undefined) throw new Error('--out <folder> is required');
const out = values.out;
const count = Number(values.count);
const duplicateShare = Number(values['duplicate-share']);
const width = Number(values.width);
const height = Number(values.height);
if (!(count >= 1) || !(duplicateShare >= 0 && duplicateShare < 1)) throw new Error('need --count ≥ 1 and 0 ≤ --duplicate-share < 1');

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = seededRandom(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const fixtures = fileURLToPath(new URL('../../test/fixtures/media/', import.meta.url));
const photos = readdirSync(fixtures).filter((file) => /^[a-z_]+(-dark)?\.jpg$/.test(file)).sort();
const photoBytes = new Map(photos.map((file) => [file, readFileSync(join(fixtures, file))]));
const photoSizes = new Map(await Promise.all(photos.map(async (file) => [file, await sharp(photoBytes.get(file)!).metadata()] as const)));

// Exactly round(count × share) re-uploads, never first, each after its original.
const duplicates = Math.round(count * duplicateShare);
const isDuplicate = Array.from({ length: count }, (_, i) => i >= count - duplicates);
for (let i = count - 1; i > 1; i--) {
  const j = 1 + Math.floor(random() * i);
  [isDuplicate[i], isDuplicate[j]] = [isDuplicate[j]!, isDuplicate[i]!];
}

mkdirSync(out, { recursive: true });
const entries: CorpusEntry[] = [];
const originals: string[] = [];
for (let i = 0; i < count; i++) {
  const file = `img-${String(i + 1).padStart(6, '0')}.jpg`;
  if (isDuplicate[i]) {
    const of = pick(originals);
    if (random() < 0.5) {
      copyFileSync(join(out, of), join(out, file));
      entries.push({ file, kind: 'byte-identical', duplicateOf: of });
    } else {
      const scale = 0.5 + 0.4 * random();
      const resized = await sharp(readFileSync(join(out, of))).resize(Math.round(width * scale), Math.round(height * scale)).jpeg({ quality: 80 }).toBuffer();
      writeFileSync(join(out, file), resized);
      entries.push({ file, kind: 'resized', duplicateOf: of });
    }
    continue;
  }
  const photo = pick(photos);
  const size = photoSizes.get(photo)!;
  const side = 0.4 + 0.6 * random();
  const cropWidth = Math.max(16, Math.round(size.width * side));
  const cropHeight = Math.max(16, Math.round(size.height * side));
  const crop: [number, number, number, number] = [Math.floor(random() * (size.width - cropWidth + 1)), Math.floor(random() * (size.height - cropHeight + 1)), cropWidth, cropHeight];
  const mirrored = random() < 0.3;
  const quality = 75 + Math.floor(random() * 18);
  let image = sharp(photoBytes.get(photo)!).extract({ left: crop[0], top: crop[1], width: crop[2], height: crop[3] });
  if (mirrored) image = image.flop();
  writeFileSync(join(out, file), await image.resize(width, height, { fit: 'fill' }).jpeg({ quality }).toBuffer());
  originals.push(file);
  entries.push({ file, kind: 'original', source: { photo, crop, mirrored, quality } });
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ seed: Number(values.seed), count, duplicateShare, width, height, images: entries }, null, 1) + '\n');
console.log(`wrote ${count} JPEGs (${originals.length} originals, ${duplicates} re-uploads) and manifest.json to ${out}`);
