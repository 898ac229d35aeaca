/**
 * Little-endian writer and reader for the versioned binary states of the speech collector and the chunk
 * reorder buffer. Sample positions are written as float64 (exact integers up to 2^53).
 */
import { int16FromS16le, s16leFromInt16 } from './s16le.js';

export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(Math.max(1, capacity));
    this.view = new DataView(this.bytes.buffer);
  }

  u8(value: number): this {
    this.reserve(1).setUint8(this.length - 1, value);
    return this;
  }

  u16(value: number): this {
    this.reserve(2).setUint16(this.length - 2, value, true);
    return this;
  }

  u32(value: number): this {
    this.reserve(4).setUint32(this.length - 4, value, true);
    return this;
  }

  f64(value: number): this {
    this.reserve(8).setFloat64(this.length - 8, value, true);
    return this;
  }

  /** A u32 length, then the bytes. */
  bytesWithLength(value: Uint8Array): this {
    this.u32(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.length - value.length);
    return this;
  }

  /** A u32 sample count, then the samples as s16le. */
  samples(value: Int16Array): this {
    this.u32(value.length);
    this.reserve(value.length * 2);
    this.bytes.set(s16leFromInt16(value), this.length - value.length * 2);
    return this;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  private reserve(count: number): DataView {
    if (this.length + count > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + count));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += count;
    return this.view;
  }
}

export class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }

  bytesWithLength(): Uint8Array {
    const length = this.u32();
    const at = this.take(length);
    return this.bytes.slice(at, at + length);
  }

  samples(): Int16Array {
    const count = this.u32();
    const at = this.take(count * 2);
    return int16FromS16le(this.bytes.slice(at, at + count * 2)); // the copy is aligned, so this is a view of it
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.offset !== this.bytes.length) {
      throw new RangeError(`${this.what}: ${this.bytes.length - this.offset} unexpected trailing bytes`);
    }
  }

  private take(count: number): number {
    if (this.offset + count > this.bytes.length) {
      throw new RangeError(`${this.what}: truncated at byte ${this.offset} (needs ${count} more of ${this.bytes.length})`);
    }
    const at = this.offset;
    this.offset += count;
    return at;
  }
}
