import { Radix2Fft } from './fft.js';

/**
 * Complex DFT of any length N through Bluestein's chirp-z identity, jk = (j² + k² − (k−j)²) / 2,
 * which turns it into a circular convolution computed with radix-2 FFTs of size ≥ 2N − 1.
 * Needed because Resemblyzer's 25 ms window at 16 kHz is a 400-point DFT, not a power of two.
 * Allocation-free after construction.
 */
export class BluesteinDft {
  readonly size: number;
  private readonly fft: Radix2Fft;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  private readonly kernelRe: Float64Array;
  private readonly kernelIm: Float64Array;
  private readonly workRe: Float64Array;
  private readonly workIm: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`BluesteinDft size must be a positive integer, got ${size}`);
    this.size = size;
    let padded = 1;
    while (padded < 2 * size - 1) padded <<= 1;
    this.fft = new Radix2Fft(padded);
    this.chirpRe = new Float64Array(size);
    this.chirpIm = new Float64Array(size);
    this.kernelRe = new Float64Array(padded);
    this.kernelIm = new Float64Array(padded);
    this.workRe = new Float64Array(padded);
    this.workIm = new Float64Array(padded);
    for (let j = 0; j < size; j++) {
      // j² mod 2N keeps the angle small, so it stays exact for large j.
      const angle = (Math.PI * ((j * j) % (2 * size))) / size;
      this.chirpRe[j] = Math.cos(angle);
      this.chirpIm[j] = -Math.sin(angle);
      this.kernelRe[j] = Math.cos(angle);
      this.kernelIm[j] = Math.sin(angle);
      if (j > 0) {
        this.kernelRe[padded - j] = Math.cos(angle);
        this.kernelIm[padded - j] = Math.sin(angle);
      }
    }
    this.fft.forward(this.kernelRe, this.kernelIm);
  }

  /** X[k] = Σ x[j]·e^(−2πi·jk/N), in place on the first N entries of `re`/`im`. */
  forward(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    const wr = this.workRe;
    const wi = this.workIm;
    const cr = this.chirpRe;
    const ci = this.chirpIm;
    for (let j = 0; j < n; j++) {
      const xr = re[j]!;
      const xi = im[j]!;
      wr[j] = xr * cr[j]! - xi * ci[j]!;
      wi[j] = xr * ci[j]! + xi * cr[j]!;
    }
    wr.fill(0, n);
    wi.fill(0, n);
    this.fft.forward(wr, wi);
    const kr = this.kernelRe;
    const ki = this.kernelIm;
    for (let k = 0; k < wr.length; k++) {
      const ar = wr[k]!;
      const ai = wi[k]!;
      wr[k] = ar * kr[k]! - ai * ki[k]!;
      wi[k] = ar * ki[k]! + ai * kr[k]!;
    }
    this.fft.inverse(wr, wi);
    const scale = 1 / wr.length;
    for (let k = 0; k < n; k++) {
      const ar = wr[k]! * scale;
      const ai = wi[k]! * scale;
      re[k] = ar * cr[k]! - ai * ci[k]!;
      im[k] = ar * ci[k]! + ai * cr[k]!;
    }
  }
}
