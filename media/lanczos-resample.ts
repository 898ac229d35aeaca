import { lanczosKernelsWasm } from './lanczos-kernels-wasm.js';

/**
 * Pillow's Lanczos resampling (`Image.resize(size, Image.Resampling.LANCZOS)`, src/libImaging/Resample.c)
 * of an 8-bit single-band image, reproduced to the bit: the same coefficients (Lanczos a = 3, support
 * scaled by the downscale factor, centres at (i + 0.5)·scale, normalised per output pixel), the same
 * fixed point (22 fraction bits, rounded half away from zero), two passes each clamped to uint8, in
 * Pillow 13's order: horizontal first (through only the rows the vertical pass reads) unless the
 * height shrinks, by more than twice as many pixels as the width does: inH > outH and
 * (inH − outH) > 2·(inW − outW), in which case vertical first (rule found by probing Pillow 13.0.0;
 * Pillow ≤ 12 always goes horizontal first). The order moves results by ±1 grey level, hence hash bits.
 * The passes run in WebAssembly SIMD (lanczos-kernels.wat); coefficients are computed here.
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
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

interface Kernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  horizontal(src: number, srcWidth: number, firstRow: number, rows: number, first: number, count: number, weights: number, taps: number, out: number, outWidth: number): void;
  vertical(src: number, width: number, rowOffset: number, first: number, count: number, weights: number, taps: number, out: number, outHeight: number): void;
}

/** Node's WebAssembly global, which this project's type libraries (ES2023, no DOM) do not declare. */
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } } }).WebAssembly;
const kernelsModule = new wasm.Module(Buffer.from(lanczosKernelsWasm, 'base64'));
const PAGE = 65536;
const align = (n: number): number => (n + 15) & ~15;

/**
 * Resizes with the WebAssembly passes of lanczos-kernels.wat, in a memory of its own that is
 * reused between calls (it only grows). Write the source with `sourceBuffer` to skip a copy.
 * One instance serves one call at a time (calls are synchronous).
 */
export class LanczosResampler {
  private readonly coefficients = new Map<string, AxisCoefficients>();
  private readonly kernels = new wasm.Instance(kernelsModule).exports as Kernels;
  private source = new Uint8Array(0);
  private sourcePixels = 0;

  /** A `pixels`-byte buffer inside the resampler's memory, valid until the next call; resizing from it copies nothing. */
  sourceBuffer(pixels: number): Uint8Array {
    this.reserve(align(pixels));
    this.source = new Uint8Array(this.kernels.memory.buffer, 0, pixels);
    this.sourcePixels = pixels;
    return this.source;
  }

  /** Resizes `src` (srcWidth × srcHeight, row-major) into `out` (outWidth × outHeight). */
  resize(src: Uint8Array, srcWidth: number, srcHeight: number, out: Uint8Array, outWidth: number, outHeight: number): void {
    const pixels = srcWidth * srcHeight;
    // The source buffer's view detaches when the memory grows below; its bytes stay at offset 0.
    const inPlace = src === this.source && this.sourcePixels >= pixels;
    if (!inPlace && src.length < pixels) throw new RangeError(`source holds ${src.length} pixels, ${srcWidth}×${srcHeight} expected`);
    if (out.length < outWidth * outHeight) throw new RangeError(`output holds ${out.length} pixels, ${outWidth}×${outHeight} expected`);
    if (srcWidth === outWidth && srcHeight === outHeight) {
      out.set(inPlace ? new Uint8Array(this.kernels.memory.buffer, 0, pixels) : src.subarray(0, pixels));
      return;
    }
    const vertical = this.coefficientsFor(srcHeight, outHeight);
    const horizontal = srcWidth === outWidth ? undefined : this.coefficientsFor(srcWidth, outWidth);
    const verticalFirst = srcHeight > outHeight && srcHeight - outHeight > 2 * (srcWidth - outWidth);
    // Pillow resamples horizontally only the rows the vertical pass reads.
    const firstRow = verticalFirst || srcHeight === outHeight ? 0 : vertical.first[0]!;
    const rows = verticalFirst || srcHeight === outHeight ? srcHeight : vertical.first[outHeight - 1]! + vertical.count[outHeight - 1]! - firstRow;
    const tempSize = verticalFirst ? srcWidth * outHeight : outWidth * rows;
    // Layout: source at 0, then the intermediate image, the output and both coefficient tables.
    const temp = align(pixels);
    const output = temp + align(tempSize);
    const verticalTable = output + align(outWidth * outHeight);
    const horizontalTable = verticalTable + tableBytes(vertical);
    this.reserve(horizontalTable + (horizontal === undefined ? 0 : tableBytes(horizontal)));
    const memory = this.kernels.memory.buffer;
    if (!inPlace) new Uint8Array(memory, 0, pixels).set(src.subarray(0, pixels));
    const v = writeTable(memory, verticalTable, vertical);
    const k = this.kernels;
    if (horizontal === undefined) {
      k.vertical(0, srcWidth, 0, v.first, v.count, v.weights, vertical.taps, output, outHeight);
    } else {
      const h = writeTable(memory, horizontalTable, horizontal);
      if (srcHeight === outHeight) {
        k.horizontal(0, srcWidth, 0, srcHeight, h.first, h.count, h.weights, horizontal.taps, output, outWidth);
      } else if (verticalFirst) {
        k.vertical(0, srcWidth, 0, v.first, v.count, v.weights, vertical.taps, temp, outHeight);
        k.horizontal(temp, srcWidth, 0, outHeight, h.first, h.count, h.weights, horizontal.taps, output, outWidth);
      } else {
        k.horizontal(0, srcWidth, firstRow, rows, h.first, h.count, h.weights, horizontal.taps, temp, outWidth);
        k.vertical(temp, outWidth, firstRow, v.first, v.count, v.weights, vertical.taps, output, outHeight);
      }
    }
    out.set(new Uint8Array(memory, output, outWidth * outHeight));
  }

  private reserve(bytes: number): void {
    const memory = this.kernels.memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
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

function tableBytes(c: AxisCoefficients): number {
  return 4 * (2 * c.first.length + c.weights.length);
}

/** Copies a coefficient table into the kernels' memory at `at`; returns where each array went. */
function writeTable(memory: ArrayBuffer, at: number, c: AxisCoefficients): { first: number; count: number; weights: number } {
  const first = at;
  const count = first + 4 * c.first.length;
  const weights = count + 4 * c.count.length;
  new Int32Array(memory, first, c.first.length).set(c.first);
  new Int32Array(memory, count, c.count.length).set(c.count);
  new Int32Array(memory, weights, c.weights.length).set(c.weights);
  return { first, count, weights };
}
