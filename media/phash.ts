import { decodeImage, defaultDecodeLimits, type DecodedImage, type DecodeLimits } from './decode-image.js';
import { LowFrequencyDct } from './dct.js';
import { LanczosResampler } from './lanczos-resample.js';
import { pillowLuma } from './luma.js';

/** Side of the grey image the DCT runs on, and of the kept low-frequency corner (imagehash defaults). */
const IMAGE_SIZE = 32;
const HASH_SIZE = 8;

/**
 * Perceptual hash equal to Python `imagehash.phash(PIL.Image.open(file))` (imagehash 4.3, defaults):
 * decode (sharp) → Pillow's `convert('L')` → Pillow's Lanczos resize to 32 × 32 → DCT-II on both
 * axes → top-left 8 × 8 → bit = coefficient > median of the 64, row-major, most significant first
 * → 16 lowercase hex characters.
 *
 * Like imagehash, no EXIF rotation and no ICC profile are applied (an image and its rotated copy hash
 * differently), and alpha is dropped (see `pillowLuma`). Buffers are reused between calls; the
 * synchronous part runs after the decode resolves, so concurrent `hash` calls on one instance are safe.
 */
export class PerceptualHasher {
  private readonly small = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
  private readonly resampler = new LanczosResampler();
  private readonly dct = new LowFrequencyDct(IMAGE_SIZE, HASH_SIZE);
  private readonly coefficients = new Float64Array(HASH_SIZE * HASH_SIZE);
  private readonly sorted = new Float64Array(HASH_SIZE * HASH_SIZE);

  constructor(readonly limits: DecodeLimits = defaultDecodeLimits) {}

  /** Hashes encoded image bytes. Rejects with a MediaError (`too-large`, `too-many-pixels`, `undecodable`). */
  async hash(bytes: Uint8Array): Promise<string> {
    return this.hashDecoded(await decodeImage(bytes, this.limits));
  }

  hashDecoded(image: DecodedImage): string {
    // Grey values go straight into the resampler's memory: no copy of the full-size image.
    const luma = this.resampler.sourceBuffer(image.width * image.height);
    pillowLuma(image, luma);
    return this.hashLuma(luma, image.width, image.height);
  }

  /** Hashes a grey image already in Pillow's `L` values (width × height bytes, row-major). */
  hashLuma(luma: Uint8Array, width: number, height: number): string {
    this.resampler.resize(luma, width, height, this.small, IMAGE_SIZE, IMAGE_SIZE);
    this.dct.transform(this.small, this.coefficients);
    return hashFromCoefficients(this.coefficients, this.sorted);
  }
}

/** Bits `coefficient > median` (numpy's median: mean of the two middle values of 64), as hex. */
function hashFromCoefficients(coefficients: Float64Array, scratch: Float64Array): string {
  scratch.set(coefficients);
  scratch.sort();
  const middle = scratch.length >>> 1;
  const median = (scratch[middle - 1]! + scratch[middle]!) / 2;
  let high = 0;
  let low = 0;
  for (let i = 0; i < 32; i++) high = (high << 1) | (coefficients[i]! > median ? 1 : 0);
  for (let i = 32; i < 64; i++) low = (low << 1) | (coefficients[i]! > median ? 1 : 0);
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}

const sharedHasher = new PerceptualHasher();

/** One-shot form of `PerceptualHasher.hash` with the default limits. */
export function phash(bytes: Uint8Array, limits?: DecodeLimits): Promise<string> {
  return limits === undefined ? sharedHasher.hash(bytes) : new PerceptualHasher(limits).hash(bytes);
}
