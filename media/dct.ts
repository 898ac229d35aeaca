/**
 * The low-frequency corner of a 2-D DCT-II as `scipy.fftpack.dct(dct(x, axis=0), axis=1)[:k, :k]`
 * computes it (type II, unnormalised: y[k] = 2·Σ x[n]·cos(π·k·(2n + 1) / 2N)), for an N × N input.
 * Only the k × k corner is computed, directly: 8 × 32 × 32 + 8 × 8 × 32 multiply-adds for pHash.
 */
export class LowFrequencyDct {
  /** cosines[k·size + n] = 2·cos(π·k·(2n + 1) / 2·size) */
  private readonly cosines: Float64Array;
  /** Axis-0 transform of the first `keep` frequencies: keep × size. */
  private readonly columns: Float64Array;

  constructor(
    readonly size: number,
    readonly keep: number,
  ) {
    if (keep > size) throw new RangeError(`cannot keep ${keep} of ${size} DCT coefficients`);
    this.cosines = new Float64Array(keep * size);
    for (let k = 0; k < keep; k++) {
      for (let n = 0; n < size; n++) this.cosines[k * size + n] = 2 * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * size));
    }
    this.columns = new Float64Array(keep * size);
  }

  /** `pixels`: size × size, row-major. `out`: keep × keep, row-major (out[u·keep + v] = frequency u down, v across). */
  transform(pixels: Uint8Array, out: Float64Array): void {
    const { size, keep, cosines, columns } = this;
    for (let u = 0; u < keep; u++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        for (let y = 0; y < size; y++) sum += pixels[y * size + x]! * cosines[u * size + y]!;
        columns[u * size + x] = sum;
      }
    }
    for (let u = 0; u < keep; u++) {
      for (let v = 0; v < keep; v++) {
        let sum = 0;
        for (let x = 0; x < size; x++) sum += columns[u * size + x]! * cosines[v * size + x]!;
        out[u * keep + v] = sum;
      }
    }
  }
}
