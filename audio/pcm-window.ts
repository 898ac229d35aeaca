/**
 * A contiguous stretch of a stream's PCM, addressed by absolute sample number: samples are appended at the
 * end and dropped from the start, so it holds [start, end) of the stream. Dropping only moves a head index;
 * when an append does not fit, the live samples move to the front of a buffer about twice their size
 * (so appends are amortised O(1) and a window that shrank gives its memory back).
 */
export class PcmWindow {
  private buffer: Int16Array;
  private head = 0;
  private length = 0;

  constructor(
    private startSample = 0,
    private readonly minCapacity = 16_000,
  ) {
    this.buffer = new Int16Array(minCapacity);
  }

  /** Absolute sample number of the first held sample. */
  get start(): number {
    return this.startSample;
  }

  /** Absolute sample number one past the last held sample. */
  get end(): number {
    return this.startSample + this.length;
  }

  append(samples: Int16Array): void {
    if (this.head + this.length + samples.length > this.buffer.length) this.makeRoom(samples.length);
    this.buffer.set(samples, this.head + this.length);
    this.length += samples.length;
  }

  /** Forgets the samples before `sample` (a no-op for samples already gone). */
  dropBefore(sample: number): void {
    if (sample <= this.startSample) return;
    if (sample > this.end) throw new RangeError(`cannot drop PCM up to ${sample}: the window ends at ${this.end}`);
    const drop = sample - this.startSample;
    this.head += drop;
    this.length -= drop;
    this.startSample = sample;
  }

  /** Empties the window and moves it to `sample`. */
  resetTo(sample: number): void {
    this.head = 0;
    this.length = 0;
    this.startSample = sample;
  }

  /** A copy of samples [from, to), which must be held. */
  copy(from: number, to: number): Int16Array {
    if (from < this.startSample || to > this.end || from > to) {
      throw new RangeError(`PCM [${from}, ${to}) is not held: the window holds [${this.startSample}, ${this.end})`);
    }
    const offset = this.head + from - this.startSample;
    return this.buffer.slice(offset, offset + to - from);
  }

  /** The held samples, without copying (valid until the next append). */
  view(): Int16Array {
    return this.buffer.subarray(this.head, this.head + this.length);
  }

  /** Moves the live samples to the front of a buffer of about twice their size (reused when it fits). */
  private makeRoom(extra: number): void {
    const needed = this.length + extra;
    if (needed * 2 <= this.buffer.length && needed * 8 > this.buffer.length) {
      this.buffer.copyWithin(0, this.head, this.head + this.length);
    } else {
      const moved = new Int16Array(Math.max(this.minCapacity, needed * 2));
      moved.set(this.view());
      this.buffer = moved;
    }
    this.head = 0;
  }
}
