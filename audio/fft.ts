/**
 * In-place iterative radix-2 complex FFT on split real/imaginary arrays.
 * Tables (bit reversal, twiddles) are built once per size; `forward`/`inverse` allocate nothing.
 *
 * @example
 * const fft = new Radix2Fft(8);
 * const re = new Float64Array([1, 0, 0, 0, 0, 0, 0, 0]), im = new Float64Array(8);
 * fft.forward(re, im); // re is all ones, im all zeros
 */
export class Radix2Fft {
  readonly size: number;
  private readonly bitReversed: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
      throw new RangeError(`Radix2Fft size must be a power of two, got ${size}`);
    }
    this.size = size;
    const bits = Math.log2(size);
    this.bitReversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let reversed = 0;
      for (let b = 0; b < bits; b++) reversed |= ((i >>> b) & 1) << (bits - 1 - b);
      this.bitReversed[i] = reversed;
    }
    const half = size >>> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** X[k] = Σ x[j]·e^(−2πi·jk/N), in place. */
  forward(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, -1);
  }

  /** Unscaled inverse: x[j] = Σ X[k]·e^(+2πi·jk/N) (divide by N for the true inverse), in place. */
  inverse(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, 1);
  }

  private transform(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
    const n = this.size;
    const rev = this.bitReversed;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >>> 1;
      const stride = n / len;
      // Twiddle outermost: each factor is loaded once per stage.
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride]!;
        const wi = sign * sin[k * stride]!;
        for (let a = k; a < n; a += len) {
          const b = a + half;
          const br = re[b]!;
          const bi = im[b]!;
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
  }
}
