import { BluesteinDft } from './bluestein-dft.js';
import { Radix2Fft } from './fft.js';

/**
 * DFT of a real signal of even length N, giving bins 0..N/2. The signal is packed as a complex
 * signal of N/2 points (even samples real, odd samples imaginary), transformed once, and split
 * back into the real spectrum. The half-size transform is radix-2 when N/2 is a power of two,
 * Bluestein otherwise. Allocation-free after construction.
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly half: number;
  private readonly complex: { forward(re: Float64Array, im: Float64Array): void };
  private readonly packedRe: Float64Array;
  private readonly packedIm: Float64Array;
  private readonly twiddleRe: Float64Array;
  private readonly twiddleIm: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) throw new RangeError(`RealFft size must be even, got ${size}`);
    this.size = size;
    this.half = size / 2;
    this.bins = this.half + 1;
    const isPowerOfTwo = (this.half & (this.half - 1)) === 0;
    this.complex = isPowerOfTwo ? new Radix2Fft(this.half) : new BluesteinDft(this.half);
    this.packedRe = new Float64Array(this.half);
    this.packedIm = new Float64Array(this.half);
    this.twiddleRe = new Float64Array(this.bins);
    this.twiddleIm = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) {
      this.twiddleRe[k] = Math.cos((2 * Math.PI * k) / size);
      this.twiddleIm[k] = -Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** Writes |X[k]|² for k = 0..N/2 of the real signal `input` (length N) into `power`. */
  powerSpectrum(input: Float64Array, power: Float64Array): void {
    const m = this.half;
    const zr = this.packedRe;
    const zi = this.packedIm;
    for (let j = 0; j < m; j++) {
      zr[j] = input[2 * j]!;
      zi[j] = input[2 * j + 1]!;
    }
    this.complex.forward(zr, zi);
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      // Even part E = (Z[k] + conj Z[m−k]) / 2, odd part O = (Z[k] − conj Z[m−k]) / 2i.
      const er = (zr[a]! + zr[b]!) / 2;
      const ei = (zi[a]! - zi[b]!) / 2;
      const or = (zi[a]! + zi[b]!) / 2;
      const oi = -(zr[a]! - zr[b]!) / 2;
      const tr = this.twiddleRe[k]!;
      const ti = this.twiddleIm[k]!;
      const xr = er + or * tr - oi * ti;
      const xi = ei + or * ti + oi * tr;
      power[k] = xr * xr + xi * xi;
    }
  }
}
