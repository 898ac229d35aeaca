/**
 * pHash throughput on one core: decode + hash of 640×480 JPEGs (images/s), the share of the time in
 * decode, luma, Lanczos resize and DCT + bits, and Bloom bit positions per second (pure CPU).
 *   taskset -c 0 node --import tsx bench/phash.ts [--images 600] [--positions 300000]
 * The machine may be shared: besides wall-clock rates, each figure is also given per CPU-second of
 * this process (all its threads, from process.cpuUsage), which is what one dedicated core would do;
 * compare ratios within one run rather than absolute figures across runs.
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
/** CPU milliseconds used by this process so far, all threads (libvips decodes off the main thread). */
const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Rate in items per second of wall clock and per CPU-second of this process. */
async function rate(count: number, run: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const wall0 = now();
  const cpu0 = cpu();
  await run();
  return { wall: count / ((now() - wall0) / 1000), cpu: count / ((cpu() - cpu0) / 1000) };
}

function endToEnd(): Promise<{ wall: number; cpu: number }> {
  const hasher = new PerceptualHasher();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < imageCount) await hasher.hash(jpegs[next++ % jpegs.length]!);
  };
  return rate(imageCount, async () => {
    await Promise.all(Array.from({ length: inFlight }, worker));
  });
}

/** Baseline in the same run: sharp's decode to raw RGB alone, the floor of any exact approach. */
function decodeOnly(): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < imageCount) await sharp(jpegs[next++ % jpegs.length]!).raw().toBuffer();
  };
  return rate(imageCount, async () => {
    await Promise.all(Array.from({ length: inFlight }, worker));
  });
}

await endToEnd(); // warm-up
const baseline = await decodeOnly();
const hashed = await endToEnd();

// Stage by stage, sequentially, on the same images.
const stages = { decode: 0, luma: 0, resize: 0, dct: 0 };
const stagesCpu = { decode: 0, luma: 0, resize: 0, dct: 0 };
const resampler = new LanczosResampler();
const dct = new LowFrequencyDct(32, 8);
const luma = new Uint8Array(640 * 480);
const small = new Uint8Array(1024);
const coefficients = new Float64Array(64);
for (let i = 0; i < imageCount; i++) {
  let t = now();
  let c = cpu();
  const image: DecodedImage = await decodeImage(jpegs[i % jpegs.length]!);
  [stages.decode, stagesCpu.decode, t, c] = [stages.decode + now() - t, stagesCpu.decode + cpu() - c, now(), cpu()];
  pillowLuma(image, luma);
  [stages.luma, stagesCpu.luma, t, c] = [stages.luma + now() - t, stagesCpu.luma + cpu() - c, now(), cpu()];
  resampler.resize(luma, image.width, image.height, small, 32, 32);
  [stages.resize, stagesCpu.resize, t, c] = [stages.resize + now() - t, stagesCpu.resize + cpu() - c, now(), cpu()];
  dct.transform(small, coefficients);
  [...coefficients].sort((a, b) => a - b);
  [stages.dct, stagesCpu.dct] = [stages.dct + now() - t, stagesCpu.dct + cpu() - c];
}
const total = stages.decode + stages.luma + stages.resize + stages.dct;
const totalCpu = stagesCpu.decode + stagesCpu.luma + stagesCpu.resize + stagesCpu.dct;

const bloom = new BloomFilterMath({ bits: 1e9, hashes: 7 });
const positions = new Float64Array(7);
const items = Array.from({ length: 1024 }, (_, i) => Buffer.from(i.toString(16).padStart(16, '0'), 'hex'));
for (let i = 0; i < 10000; i++) bloom.positions(items[i % items.length]!, positions);
const bloomRate = await rate(positionCount, async () => {
  for (let i = 0; i < positionCount; i++) bloom.positions(items[i % items.length]!, positions);
});

console.log(`images: ${jpegs.length} distinct 640×480 JPEGs, ${imageCount} hashed, ${inFlight} in flight, sharp.concurrency(1)`);
const perSecond = (r: { wall: number; cpu: number }): string => `${r.wall.toFixed(0)}/s wall, ${r.cpu.toFixed(0)} per CPU-second`;
console.log(`decode + hash: ${perSecond(hashed)} (target ≥ ${TARGET_IMAGES_PER_SECOND} per core: ${hashed.cpu >= TARGET_IMAGES_PER_SECOND ? 'met' : 'NOT met'} by CPU time)`);
console.log(`baseline, sharp decode to raw RGB alone: ${perSecond(baseline)}; decode + hash runs at ${((100 * hashed.cpu) / baseline.cpu).toFixed(0)} % of it (CPU time)`);
const shares = (values: Record<string, number>, sum: number): string => Object.entries(values).map(([k, v]) => `${k} ${(v / imageCount).toFixed(3)} (${((100 * v) / sum).toFixed(1)} %)`).join(', ');
console.log(`sequential stages, wall ms per image: ${shares(stages, total)}`);
console.log(`sequential stages, CPU ms per image:  ${shares(stagesCpu, totalCpu)}`);
console.log(`Bloom positions (m = 1e9, k = 7): ${(bloomRate.wall / 1e6).toFixed(2)} M items/s wall, ${(bloomRate.cpu / 1e6).toFixed(2)} M per CPU-second (${((bloomRate.cpu * 7) / 1e6).toFixed(1)} M bit positions)`);
