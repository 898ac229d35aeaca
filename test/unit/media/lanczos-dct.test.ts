import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LowFrequencyDct } from '../../../media/dct.js';
import { LanczosResampler, lanczosCoefficients } from '../../../media/lanczos-resample.js';

interface ResampleGolden {
  resize: { seed: number; width: number; height: number; outWidth: number; outHeight: number; output: string }[];
  dct: { seed: number; coefficients: number[] };
}
const golden = JSON.parse(readFileSync(new URL('../../fixtures/media/resample-golden.json', import.meta.url), 'utf8')) as ResampleGolden;

/** The seeded bytes make_phash_fixtures.py draws: a 32-bit LCG, top byte. */
function lcgBytes(seed: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

test("Lanczos resize equals Pillow's to the bit (down, up, both pass orders, thin images)", () => {
  const resampler = new LanczosResampler();
  assert.ok(golden.resize.length >= 10);
  for (const c of golden.resize) {
    const out = new Uint8Array(c.outWidth * c.outHeight);
    resampler.resize(lcgBytes(c.seed, c.width * c.height), c.width, c.height, out, c.outWidth, c.outHeight);
    assert.deepEqual(Buffer.from(out).toString('base64'), c.output, `${c.width}×${c.height} → ${c.outWidth}×${c.outHeight}`);
  }
});

test('coefficients of each output pixel sum to one in fixed point, within rounding', () => {
  for (const [inSize, outSize] of [[640, 32], [37, 32], [20, 32], [1000, 3]] as const) {
    const c = lanczosCoefficients(inSize, outSize);
    for (let i = 0; i < outSize; i++) {
      let sum = 0;
      for (let t = 0; t < c.count[i]!; t++) sum += c.weights[i * c.taps + t]!;
      assert.ok(Math.abs(sum - 2 ** 22) <= c.count[i]!, `${inSize}→${outSize} pixel ${i}: ${sum}`);
      assert.ok(c.first[i]! >= 0 && c.first[i]! + c.count[i]! <= inSize);
    }
  }
});

test("the 8 × 8 DCT corner equals scipy.fftpack's dct(dct(x, axis=0), axis=1)[:8, :8]", () => {
  const out = new Float64Array(64);
  new LowFrequencyDct(32, 8).transform(lcgBytes(golden.dct.seed, 1024), out);
  golden.dct.coefficients.forEach((expected, i) => assert.ok(Math.abs(out[i]! - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${i}: ${out[i]} vs ${expected}`));
});

test('resizing from the source buffer gives the same result as from a separate array, also when memory grows', () => {
  const resampler = new LanczosResampler();
  for (const c of golden.resize) {
    const source = resampler.sourceBuffer(c.width * c.height);
    source.set(lcgBytes(c.seed, c.width * c.height));
    const out = new Uint8Array(c.outWidth * c.outHeight);
    resampler.resize(source, c.width, c.height, out, c.outWidth, c.outHeight);
    assert.equal(Buffer.from(out).toString('base64'), c.output, `${c.width}×${c.height} from the source buffer`);
  }
});
