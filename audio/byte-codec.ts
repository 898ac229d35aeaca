import { int16FromS16le, s16leFromInt16 } from './s16le.js';

/**
 * Little-endian binary writer and bounds-checked reader for the versioned states of the audio path: the speech
 * collector, the chunk reorder buffer, the streaming diarizer and its online clustering. Sample positions are written
 * as float64 (exact integers up to 2^53).
 */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  /** `capacity`: the expected size, so a state is written without growing the buffer. */
  constructor(capacity = 256) {
    this.buffer = Buffer.alloc(Math.max(1, capacity));
  }

  u8(value: number): this {
    this.reserve(1).writeUInt8(value, this.length);
    this.length += 1;
    return this;
  }

  u16(value: number): this {
    this.reserve(2).writeUInt16LE(value, this.length);
    this.length += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4).writeUInt32LE(value, this.length);
    this.length += 4;
    return this;
  }

  i32(value: number): this {
    this.reserve(4).writeInt32LE(value, this.length);
    this.length += 4;
    return this;
  }

  f64(value: number): this {
    this.reserve(8).writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  /** Raw bytes of a typed array (little-endian hosts only, which is every platform Node supports). */
  bytes(view: ArrayBufferView): this {
    const source = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    source.copy(this.reserve(source.length), this.length);
    this.length += source.length;
    return this;
  }

  /** A length-prefixed (u32) block. */
  block(view: Uint8Array): this {
    return this.u32(view.byteLength).bytes(view);
  }

  /** A u32 sample count, then the samples as s16le. */
  samples(value: Int16Array): this {
    return this.u32(value.length).bytes(s16leFromInt16(value));
  }

  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }

  private reserve(bytes: number): Buffer {
    if (this.length + bytes > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(2 * this.buffer.length, this.length + bytes));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    return this.buffer;
  }
}

export class ByteReader {
  private offset = 0;
  private readonly buffer: Buffer;

  /** `what` names the state in error messages. */
  constructor(
    bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number {
    return this.take(1).readUInt8(0);
  }

  u16(): number {
    return this.take(2).readUInt16LE(0);
  }

  u32(): number {
    return this.take(4).readUInt32LE(0);
  }

  i32(): number {
    return this.take(4).readInt32LE(0);
  }

  f64(): number {
    return this.take(8).readDoubleLE(0);
  }

  float32s(count: number): Float32Array {
    const bytes = this.take(4 * count);
    const out = new Float32Array(count);
    Buffer.from(out.buffer).set(bytes);
    return out;
  }

  int16s(count: number): Int16Array {
    const bytes = this.take(2 * count);
    const out = new Int16Array(count);
    Buffer.from(out.buffer).set(bytes);
    return out;
  }

  /** A length-prefixed block, as a view of the state's bytes. */
  block(): Uint8Array {
    return this.take(this.u32());
  }

  /** A length-prefixed block, copied. */
  bytesWithLength(): Uint8Array {
    return Uint8Array.from(this.block());
  }

  /** What `ByteWriter.samples` wrote, copied. */
  samples(): Int16Array {
    const count = this.u32();
    return int16FromS16le(Uint8Array.from(this.take(count * 2)));
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.offset !== this.buffer.length) this.fail(`${this.buffer.length - this.offset} unexpected trailing bytes left over`);
  }

  fail(why: string): never {
    throw new RangeError(`${this.what} (${this.buffer.length} bytes): ${why}`);
  }

  private take(bytes: number): Buffer {
    if (this.offset + bytes > this.buffer.length) this.fail(`truncated at byte ${this.offset}, ${bytes} more expected`);
    const slice = this.buffer.subarray(this.offset, this.offset + bytes);
    this.offset += bytes;
    return slice;
  }
}
