import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BluesteinDft } from '../../../audio/bluestein-dft.js';
import { Radix2Fft } from '../../../audio/fft.js';
import { RealFft } from '../../../audio/real-fft.js';

function seededSignal(length: number, seed: number): Float64Array {
  let state = seed;
  return Float64Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sumRe = 0;
    let sumIm = 0;
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * ((j * k) % n)) / n;
      sumRe += re[j]! * Math.cos(angle) - im[j]! * Math.sin(angle);
      sumIm += re[j]! * Math.sin(angle) + im[j]! * Math.cos(angle);
    }
    outRe[k] = sumRe;
    outIm[k] = sumIm;
  }
  return [outRe, outIm];
}

function assertClose(actual: Float64Array, expected: Float64Array, tolerance: number): void {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('radix-2 FFT matches the naive DFT and inverts', () => {
  for (const n of [1, 2, 8, 64, 512]) {
    const re = seededSignal(n, n);
    const im = seededSignal(n, n + 1);
    const [expectedRe, expectedIm] = naiveDft(re, im);
    const fft = new Radix2Fft(n);
    const workRe = re.slice();
    const workIm = im.slice();
    fft.forward(workRe, workIm);
    assertClose(workRe, expectedRe, 1e-9 * n);
    assertClose(workIm, expectedIm, 1e-9 * n);
    fft.inverse(workRe, workIm);
    assertClose(workRe.map((x) => x / n), re, 1e-12);
    assertClose(workIm.map((x) => x / n), im, 1e-12);
  }
  assert.throws(() => new Radix2Fft(400), RangeError);
});

test('Bluestein DFT matches the naive DFT for lengths that are not powers of two', () => {
  for (const n of [1, 3, 7, 200, 257]) {
    const re = seededSignal(n, 3 * n);
    const im = seededSignal(n, 5 * n);
    const [expectedRe, expectedIm] = naiveDft(re, im);
    new BluesteinDft(n).forward(re, im);
    assertClose(re, expectedRe, 1e-9 * n);
    assertClose(im, expectedIm, 1e-9 * n);
  }
});

test('real FFT power spectrum matches the naive DFT (radix-2 and Bluestein paths)', () => {
  for (const n of [2, 16, 400, 512]) {
    const signal = seededSignal(n, 7 * n);
    const [re, im] = naiveDft(signal, new Float64Array(n));
    const fft = new RealFft(n);
    const power = new Float64Array(fft.bins);
    fft.powerSpectrum(signal, power);
    const expected = Float64Array.from({ length: fft.bins }, (_, k) => re[k]! ** 2 + im[k]! ** 2);
    assertClose(power, expected, 1e-8 * n);
  }
});
