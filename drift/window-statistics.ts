import { IncompatibleWindowsError, VectorRejectedError, WindowStatisticsCodecError } from './errors.js';
import { Prng } from './prng.js';

/** Reservoir size used when none is given: 256 samples of a 256-d embedding are 256 KiB of state. */
export const DEFAULT_RESERVOIR_SIZE = 256;

export interface WindowStatisticsOptions {
  /** Dimension d of every vector of the window (in an operator: the first vector's, kept for the key). */
  dimension: number;
  /** Reservoir capacity R ≥ 0 (default 256). 0 keeps count and sum only: enough for `mean-cosine`, not for `mmd`. */
  reservoirSize?: number;
  /** Stable seed key, e.g. `windowSeedKey(tenant, modelVersion, windowStart)`: a replay draws the same reservoir. */
  seed: string;
}

/** The seed key of one window: tenant, model version and window start, unambiguous whatever the strings hold. */
export function windowSeedKey(tenant: string, modelVersion: string, windowStartMs: number): string {
  return JSON.stringify([tenant, modelVersion, windowStartMs]);
}

/**
 * Streaming statistics of one window of embeddings of a fixed dimension d:
 * - `count` n and the running `sum` Σx (Float64, so the mean Σx / n of a long window does not lose bits);
 * - a reservoir of min(n, R) vectors, a uniform random sample without replacement of the window
 *   (Vitter's Algorithm R), drawn with a seeded PRNG whose state is part of the statistics — so the
 *   sample is a pure function of the seed and of the records in order, also across a save and restore.
 *
 * @example
 * const stats = WindowStatistics.create({ dimension: 256, seed: windowSeedKey('acme', 'clip@3', start) });
 * stats.add(record.vector);                       // throws VectorRejectedError on a wrong dimension
 * await ctx.state.set(key, stats.encode());       // bytes; WindowStatistics.decode(bytes) restores it
 */
export class WindowStatistics {
  private constructor(
    readonly dimension: number,
    readonly reservoirCapacity: number,
    private n: number,
    private readonly total: Float64Array,
    /** Row-major, capacity × d; rows [0, sampleCount) are filled. */
    private samples: Float32Array,
    private readonly prng: Prng,
  ) {}

  static create(options: WindowStatisticsOptions): WindowStatistics {
    const { dimension, reservoirSize = DEFAULT_RESERVOIR_SIZE } = options;
    if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`window dimension must be a positive integer, got ${dimension}`);
    if (!Number.isInteger(reservoirSize) || reservoirSize < 0) throw new RangeError(`reservoir size must be a non-negative integer, got ${reservoirSize}`);
    return new WindowStatistics(dimension, reservoirSize, 0, new Float64Array(dimension), new Float32Array(reservoirSize * dimension), Prng.fromKey(options.seed));
  }

  /** Number of vectors added (merged windows included). */
  get count(): number {
    return this.n;
  }

  /** Σx over the window, read-only by contract (a view of the state, not a copy). */
  get sum(): Float64Array {
    return this.total;
  }

  /** Vectors held in the reservoir: min(count, R). */
  get sampleCount(): number {
    return Math.min(this.n, this.reservoirCapacity);
  }

  /** The filled part of the reservoir, row-major sampleCount × d (a view, read-only by contract). */
  get reservoir(): Float32Array {
    return this.samples.subarray(0, this.sampleCount * this.dimension);
  }

  /** The mean Σx / n into `out` (a new array when not given); zeros for an empty window. */
  mean(out: Float64Array = new Float64Array(this.dimension)): Float64Array {
    const scale = this.n === 0 ? 0 : 1 / this.n;
    for (let i = 0; i < this.dimension; i++) out[i] = this.total[i]! * scale;
    return out;
  }

  /**
   * Adds one vector. A vector of another dimension, or with a component that is not a finite number,
   * is refused with a VectorRejectedError before anything changes.
   */
  add(vector: ArrayLike<number>): void {
    const d = this.dimension;
    if (vector.length !== d) {
      throw new VectorRejectedError('dimension-mismatch', `vector has ${vector.length} components, the window holds ${d}-dimensional vectors`);
    }
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(vector[i])) throw new VectorRejectedError('non-finite-component', `vector component ${i} is ${vector[i]}, not a finite number`, i);
    }
    for (let i = 0; i < d; i++) this.total[i]! += vector[i]!;
    // Algorithm R: the i-th vector (0-based) fills slot i while there is room, then replaces a
    // uniformly chosen slot with probability R / (i + 1).
    const seen = this.n++;
    const slot = seen < this.reservoirCapacity ? seen : this.prng.int(seen + 1);
    if (slot < this.reservoirCapacity) this.samples.set(vector, slot * d);
  }

  /**
   * Folds `other` (same dimension and reservoir capacity) into this window: counts and sums add, and
   * the reservoir becomes a uniform sample of min(R, n₁ + n₂) vectors of the union — how many come
   * from each side is drawn as in sampling without replacement from n₁ + n₂ items, then that many
   * distinct samples are drawn from each side's reservoir. `other` is left unchanged.
   */
  merge(other: WindowStatistics): void {
    if (other.dimension !== this.dimension || other.reservoirCapacity !== this.reservoirCapacity) {
      throw new IncompatibleWindowsError(
        `cannot merge a window of dimension ${other.dimension} and reservoir ${other.reservoirCapacity} into one of dimension ${this.dimension} and reservoir ${this.reservoirCapacity}`,
      );
    }
    const d = this.dimension;
    const size = Math.min(this.reservoirCapacity, this.n + other.n);
    let fromThis = 0;
    for (let left = this.n, right = other.n, i = 0; i < size; i++) {
      if (this.prng.next() * (left + right) < left) {
        fromThis++;
        left--;
      } else right--;
    }
    const merged = new Float32Array(this.reservoirCapacity * d);
    this.copyRandomRows(this.reservoir, this.sampleCount, fromThis, merged, 0);
    this.copyRandomRows(other.reservoir, other.sampleCount, size - fromThis, merged, fromThis);
    this.samples = merged;
    for (let i = 0; i < d; i++) this.total[i]! += other.total[i]!;
    this.n += other.n;
  }

  /** Copies `take` distinct rows chosen uniformly among `rows` of `source` to `target` from row `at` (partial Fisher–Yates). */
  private copyRandomRows(source: Float32Array, rows: number, take: number, target: Float32Array, at: number): void {
    const d = this.dimension;
    const order = Uint32Array.from({ length: rows }, (_, i) => i);
    for (let i = 0; i < take; i++) {
      const j = i + this.prng.int(rows - i);
      const row = order[j]!;
      order[j] = order[i]!;
      order[i] = row;
      target.set(source.subarray(row * d, (row + 1) * d), (at + i) * d);
    }
  }

  /** Size in bytes of `encode()`'s output. */
  get encodedSize(): number {
    return HEADER_BYTES + 8 * this.dimension + 4 * this.sampleCount * this.dimension;
  }

  /**
   * The statistics as bytes, format version 1, little-endian:
   *
   * | offset | size | field |
   * | --- | --- | --- |
   * | 0 | 2 | magic `WD` (0x57 0x44) |
   * | 2 | 1 | format version (1) |
   * | 3 | 1 | flags, 0 |
   * | 4 | 4 | u32 dimension d |
   * | 8 | 4 | u32 reservoir capacity R |
   * | 12 | 4 | u32 samples stored s = min(n, R) |
   * | 16 | 8 | f64 count n (an integer) |
   * | 24 | 16 | 4 × u32 PRNG state |
   * | 40 | 8d | f64 × d sum |
   * | 40 + 8d | 4sd | f32 × s × d reservoir rows |
   *
   * Only the filled rows are written, so a window's state grows to 40 + 8d + 4Rd bytes and stays there.
   */
  encode(): Buffer {
    const d = this.dimension;
    const s = this.sampleCount;
    const bytes = Buffer.alloc(this.encodedSize);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    bytes[0] = MAGIC[0];
    bytes[1] = MAGIC[1];
    bytes[2] = FORMAT_VERSION;
    view.setUint32(4, d, true);
    view.setUint32(8, this.reservoirCapacity, true);
    view.setUint32(12, s, true);
    view.setFloat64(16, this.n, true);
    this.prng.state().forEach((word, i) => view.setUint32(24 + 4 * i, word, true));
    for (let i = 0; i < d; i++) view.setFloat64(HEADER_BYTES + 8 * i, this.total[i]!, true);
    const samplesAt = HEADER_BYTES + 8 * d;
    for (let i = 0; i < s * d; i++) view.setFloat32(samplesAt + 4 * i, this.samples[i]!, true);
    return bytes;
  }

  /** Statistics from `encode()`'s bytes; the result shares no memory with `bytes`. */
  static decode(bytes: Uint8Array): WindowStatistics {
    if (bytes.byteLength < HEADER_BYTES) throw new WindowStatisticsCodecError('truncated', `window statistics need at least ${HEADER_BYTES} bytes, got ${bytes.byteLength}`);
    if (bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1]) throw new WindowStatisticsCodecError('bad-magic', `window statistics start with "WD", got bytes ${bytes[0]} ${bytes[1]}`);
    if (bytes[2] !== FORMAT_VERSION) throw new WindowStatisticsCodecError('unsupported-version', `window statistics format version ${bytes[2]} is not supported (this code reads ${FORMAT_VERSION})`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const d = view.getUint32(4, true);
    const capacity = view.getUint32(8, true);
    const s = view.getUint32(12, true);
    const n = view.getFloat64(16, true);
    if (d < 1 || !Number.isSafeInteger(n) || n < 0 || s !== Math.min(n, capacity)) {
      throw new WindowStatisticsCodecError('inconsistent', `window statistics header is inconsistent: dimension ${d}, reservoir ${capacity}, ${s} samples, count ${n}`);
    }
    const expected = HEADER_BYTES + 8 * d + 4 * s * d;
    if (bytes.byteLength !== expected) {
      throw new WindowStatisticsCodecError(bytes.byteLength < expected ? 'truncated' : 'inconsistent', `window statistics of dimension ${d} with ${s} samples take ${expected} bytes, got ${bytes.byteLength}`);
    }
    const total = new Float64Array(d);
    for (let i = 0; i < d; i++) total[i] = view.getFloat64(HEADER_BYTES + 8 * i, true);
    const samples = new Float32Array(capacity * d);
    const samplesAt = HEADER_BYTES + 8 * d;
    for (let i = 0; i < s * d; i++) samples[i] = view.getFloat32(samplesAt + 4 * i, true);
    const state = [0, 1, 2, 3].map((i) => view.getUint32(24 + 4 * i, true));
    return new WindowStatistics(d, capacity, n, total, samples, Prng.fromState(state));
  }
}

const MAGIC = [0x57, 0x44] as const;
const FORMAT_VERSION = 1;
const HEADER_BYTES = 40;
