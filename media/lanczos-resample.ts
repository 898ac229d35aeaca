/**
 * Pillow's Lanczos resampling (`Image.resize(size, Image.Resampling.LANCZOS)`, src/libImaging/Resample.c)
 * of an 8-bit single-band image, reproduced to the bit: the same coefficients (Lanczos a = 3, support
 * scaled by the downscale factor, centres at (i + 0.5)·scale, normalised per output pixel), the same
 * fixed point (22 fraction bits, rounded half away from zero), two passes each clamped to uint8, in
 * Pillow 13's order: horizontal first (through only the rows the vertical pass reads) unless the
 * height shrinks, by more than twice as many pixels as the width does: inH > outH and
 * (inH − outH) > 2·(inW − outW), in which case vertical first (rule found by probing Pillow 13.0.0). The order changes results by ±1 grey level, hence hash bits.
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const LANCZOS_SUPPORT = 3;
/** Coefficient sets kept, keyed by (input size, output size); photos come in few sizes. */
const MAX_CACHED_COEFFICIENTS = 64;

/** Fixed-point filter of one axis: output i reads `count[i]` inputs from `first[i]`, weights `weights[i·taps …]`. */
export interface AxisCoefficients {
  taps: number;
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return -LANCZOS_SUPPORT <= x && x < LANCZOS_SUPPORT ? sinc(x) * sinc(x / LANCZOS_SUPPORT) : 0;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the whole input range (no box). */
export function lanczosCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const raw = new Float64Array(taps);
  const inverseScale = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(centre - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(centre + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const w = lanczos((x + xmin - centre + 0.5) * inverseScale);
      raw[x] = w;
      sum += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = sum === 0 ? raw[x]! : raw[x]! / sum;
      weights[i * taps + x] = Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }
    first[i] = xmin;
    count[i] = xmax;
  }
  return { taps, first, count, weights };
}

function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resizes with reusable buffers; one instance per thread of work, not shared across awaits mid-call. */
export class LanczosResampler {
  private readonly coefficients = new Map<string, AxisCoefficients>();
  private intermediate = new Uint8Array(0);

  /** Resizes `src` (srcWidth × srcHeight, row-major) into `out` (outWidth × outHeight). */
  resize(src: Uint8Array, srcWidth: number, srcHeight: number, out: Uint8Array, outWidth: number, outHeight: number): void {
    if (src.length < srcWidth * srcHeight) throw new RangeError(`source holds ${src.length} pixels, ${srcWidth}×${srcHeight} expected`);
    if (out.length < outWidth * outHeight) throw new RangeError(`output holds ${out.length} pixels, ${outWidth}×${outHeight} expected`);
    const vertical = this.coefficientsFor(srcHeight, outHeight);
    if (srcWidth === outWidth && srcHeight === outHeight) {
      out.set(src.subarray(0, srcWidth * srcHeight));
      return;
    }
    if (srcWidth === outWidth) {
      verticalPass(src, outWidth, 0, vertical, out, outHeight);
      return;
    }
    const horizontal = this.coefficientsFor(srcWidth, outWidth);
    if (srcHeight === outHeight) {
      horizontalPass(src, srcWidth, 0, outHeight, horizontal, out, outWidth);
      return;
    }
    if (srcHeight > outHeight && srcHeight - outHeight > 2 * (srcWidth - outWidth)) {
      const temp = this.intermediateOf(srcWidth * outHeight);
      verticalPass(src, srcWidth, 0, vertical, temp, outHeight);
      horizontalPass(temp, srcWidth, 0, outHeight, horizontal, out, outWidth);
      return;
    }
    // Pillow resamples horizontally only the rows the vertical pass reads.
    const firstRow = vertical.first[0]!;
    const rows = vertical.first[outHeight - 1]! + vertical.count[outHeight - 1]! - firstRow;
    const temp = this.intermediateOf(outWidth * rows);
    horizontalPass(src, srcWidth, firstRow, rows, horizontal, temp, outWidth);
    verticalPass(temp, outWidth, firstRow, vertical, out, outHeight);
  }

  private intermediateOf(size: number): Uint8Array {
    if (this.intermediate.length < size) this.intermediate = new Uint8Array(size);
    return this.intermediate;
  }

  private coefficientsFor(inSize: number, outSize: number): AxisCoefficients {
    const key = `${inSize}:${outSize}`;
    let found = this.coefficients.get(key);
    if (found === undefined) {
      if (this.coefficients.size >= MAX_CACHED_COEFFICIENTS) this.coefficients.clear();
      found = lanczosCoefficients(inSize, outSize);
      this.coefficients.set(key, found);
    }
    return found;
  }
}

function horizontalPass(src: Uint8Array, srcWidth: number, firstRow: number, rows: number, c: AxisCoefficients, out: Uint8Array, outWidth: number): void {
  const { taps, first, count, weights } = c;
  for (let y = 0; y < rows; y++) {
    const rowStart = (y + firstRow) * srcWidth;
    const outRow = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      const start = rowStart + first[x]!;
      const n = count[x]!;
      const w = x * taps;
      let sum = HALF;
      for (let t = 0; t < n; t++) sum = (sum + src[start + t]! * weights[w + t]!) | 0;
      out[outRow + x] = clip8(sum);
    }
  }
}

/** `src` row 0 is source row `rowOffset` (the intermediate image starts at the first row read). */
function verticalPass(src: Uint8Array, width: number, rowOffset: number, c: AxisCoefficients, out: Uint8Array, outHeight: number): void {
  const { taps, first, count, weights } = c;
  for (let y = 0; y < outHeight; y++) {
    const start = (first[y]! - rowOffset) * width;
    const n = count[y]!;
    const w = y * taps;
    for (let x = 0; x < width; x++) {
      let sum = HALF;
      for (let t = 0; t < n; t++) sum = (sum + src[start + t * width + x]! * weights[w + t]!) | 0;
      out[y * width + x] = clip8(sum);
    }
  }
}
