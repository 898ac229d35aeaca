/**
 * pHash throughput on one core: decode + hash of 640×480 JPEGs (images/s), the share of the time in
 * decode, luma, Lanczos resize and DCT + bits, and Bloom bit positions per second (pure CPU).
 *   taskset -c 0 node --import tsx bench/phash.ts [--images 600] [--positions 300000]
 * The machine may be shared: compare the ratios within one run, not absolute figures across runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { BloomFilterMath } from '../media/bloom.js';
import { LowFrequencyDct } from '../media/dct.js';
import { decodeImage, type DecodedImage } from '../media/decode-image.js';
import { LanczosResampler } from '../media/lanczos-resample.js';
import { pillowLuma } from '../media/luma.js';
import { PerceptualHasher } from '../media/phash.js';

const TARGET_IMAGES_PER_SECOND = 300;
const { values } = parseArgs({ options: { images: { type: 'string', default: '600' }, positions: { type: 'string', default: '300000' }, concurrency: { type: 'string', default: '4' } } });
const imageCount = Number(values.images);
const positionCount = Number(values.positions);
const inFlight = Number(values.concurrency);

// One libvips thread per image and no operation cache: the operator's setting for one core.
sharp.concurrency(1);
sharp.cache(false);

const fixtures = fileURLToPath(new URL('../test/fixtures/media/', import.meta.url));
const photos = readdirSync(fixtures).filter((file) => /^[a-z_]+(-dark)?\.jpg$/.test(file));
const jpegs = await Promise.all(photos.map((file) => sharp(readFileSync(fixtures + file)).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer()));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function endToEnd(): Promise<number> {
  const hasher = new PerceptualHasher();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < imageCount) await hasher.hash(jpegs[next++ % jpegs.length]!);
  };
  const start = now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return imageCount / ((now() - start) / 1000);
}

/** Baseline in the same run: sharp's decode to raw RGB alone, the floor of any exact approach. */
async function decodeOnly(): Promise<number> {
  const start = now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < imageCount) await sharp(jpegs[next++ % jpegs.length]!).raw().toBuffer();
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return imageCount / ((now() - start) / 1000);
}

await endToEnd(); // warm-up
const baselinePerSecond = await decodeOnly();
const imagesPerSecond = await endToEnd();

// Stage by stage, sequentially, on the same images.
const stages = { decode: 0, luma: 0, resize: 0, dct: 0 };
const resampler = new LanczosResampler();
const dct = new LowFrequencyDct(32, 8);
const luma = new Uint8Array(640 * 480);
const small = new Uint8Array(1024);
const coefficients = new Float64Array(64);
for (let i = 0; i < imageCount; i++) {
  let t = now();
  const image: DecodedImage = await decodeImage(jpegs[i % jpegs.length]!);
  stages.decode += now() - t;
  t = now();
  pillowLuma(image, luma);
  stages.luma += now() - t;
  t = now();
  resampler.resize(luma, image.width, image.height, small, 32, 32);
  stages.resize += now() - t;
  t = now();
  dct.transform(small, coefficients);
  [...coefficients].sort((a, b) => a - b);
  stages.dct += now() - t;
}
const total = stages.decode + stages.luma + stages.resize + stages.dct;

const bloom = new BloomFilterMath({ bits: 1e9, hashes: 7 });
const positions = new Float64Array(7);
const items = Array.from({ length: 1024 }, (_, i) => Buffer.from(i.toString(16).padStart(16, '0'), 'hex'));
for (let i = 0; i < 10000; i++) bloom.positions(items[i % items.length]!, positions);
const start = now();
for (let i = 0; i < positionCount; i++) bloom.positions(items[i % items.length]!, positions);
const itemsPerSecond = positionCount / ((now() - start) / 1000);

console.log(`images: ${jpegs.length} distinct 640×480 JPEGs, ${imageCount} hashed, ${inFlight} in flight, sharp.concurrency(1)`);
console.log(`decode + hash: ${imagesPerSecond.toFixed(0)} images/s (target ≥ ${TARGET_IMAGES_PER_SECOND} per core: ${imagesPerSecond >= TARGET_IMAGES_PER_SECOND ? 'met' : 'NOT met'})`);
console.log(`baseline, sharp decode to raw RGB alone: ${baselinePerSecond.toFixed(0)} images/s; decode + hash runs at ${((100 * imagesPerSecond) / baselinePerSecond).toFixed(0)} % of it`);
console.log(`sequential stages, ms per image: ${Object.entries(stages).map(([k, v]) => `${k} ${(v / imageCount).toFixed(3)} (${((100 * v) / total).toFixed(1)} %)`).join(', ')}`);
console.log(`Bloom positions (m = 1e9, k = 7): ${(itemsPerSecond / 1e6).toFixed(2)} M items/s = ${((itemsPerSecond * 7) / 1e6).toFixed(1)} M bit positions/s`);
