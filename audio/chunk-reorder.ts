/**
 * Puts a stream's numbered chunks back in order within a bounded window.
 *
 * Chunks are numbered from 0 (`seq`). A chunk that arrives before its predecessors is held until they come,
 * but a missing chunk is waited for only while fewer than `windowChunks` chunks after it have arrived: when a
 * chunk `windowChunks` or more places ahead of the first missing one arrives, the missing ones before the
 * window are given up (a `gap` event, with `missingSamples` = missing chunks × `chunkSamples`, so positions
 * after it assume the lost chunks had the nominal length) and the held chunks after them are released.
 * A chunk that arrives after its place was passed (released or given up) or that is already held is
 * `dropped`. So at most windowChunks - 1 chunks are held, and a reordering by fewer than windowChunks places
 * changes nothing. `windowChunks: 1` holds nothing: every missing chunk is a gap at once.
 *
 * The state (next expected seq and the held chunks) serialises to a versioned binary record.
 */
import { ByteReader, ByteWriter } from './byte-codec.js';

export interface ChunkReorderOptions {
  /** A missing chunk is given up once a chunk this many places after it arrives. */
  windowChunks: number;
  /** Nominal samples per chunk, to size gaps (1 s at 16 kHz). */
  chunkSamples: number;
}

export const CHUNK_REORDER_DEFAULTS: Readonly<ChunkReorderOptions> = { windowChunks: 3, chunkSamples: 16_000 };

export type OrderedInput =
  | { kind: 'chunk'; seq: number; pcm: Int16Array }
  | { kind: 'gap'; fromSeq: number; toSeq: number; missingSamples: number }
  | { kind: 'dropped'; seq: number; reason: 'late' | 'duplicate' };

const MAGIC = [0x57, 0x43, 0x52]; // "WCR"
const FORMAT_VERSION = 1;

export class ChunkReorderBuffer {
  readonly options: Readonly<ChunkReorderOptions>;
  private nextSeq = 0;
  private readonly held = new Map<number, Int16Array>();

  constructor(options: Partial<ChunkReorderOptions> = {}) {
    const resolved = { ...CHUNK_REORDER_DEFAULTS, ...options };
    if (!Number.isInteger(resolved.windowChunks) || resolved.windowChunks < 1 || resolved.windowChunks > 0xffff) {
      throw new RangeError(`chunk reorder option windowChunks must be an integer in [1, 65535], got ${resolved.windowChunks}`);
    }
    if (!Number.isInteger(resolved.chunkSamples) || resolved.chunkSamples < 1 || resolved.chunkSamples > 0xffffffff) {
      throw new RangeError(`chunk reorder option chunkSamples must be a positive integer, got ${resolved.chunkSamples}`);
    }
    this.options = Object.freeze(resolved);
  }

  static restore(state: Uint8Array): ChunkReorderBuffer {
    const reader = new ByteReader(state, 'chunk reorder state');
    if (MAGIC.some((byte) => reader.u8() !== byte)) throw new RangeError('chunk reorder state: bad magic bytes');
    const version = reader.u8();
    if (version !== FORMAT_VERSION) throw new RangeError(`chunk reorder state: unsupported version ${version}`);
    const buffer = new ChunkReorderBuffer({ windowChunks: reader.u16(), chunkSamples: reader.u32() });
    buffer.nextSeq = reader.f64();
    const count = reader.u16();
    for (let i = 0; i < count; i++) buffer.held.set(reader.f64(), reader.samples());
    reader.end();
    return buffer;
  }

  /** The seq the stream continues with. */
  get expectedSeq(): number {
    return this.nextSeq;
  }

  /** Takes chunk `seq`; returns what can now be processed, in stream order. */
  push(seq: number, pcm: Int16Array): OrderedInput[] {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`chunk seq must be a non-negative integer, got ${seq}`);
    if (seq < this.nextSeq) return [{ kind: 'dropped', seq, reason: 'late' }];
    if (this.held.has(seq)) return [{ kind: 'dropped', seq, reason: 'duplicate' }];
    this.held.set(seq, pcm);
    const out: OrderedInput[] = [];
    const giveUpBefore = seq - this.options.windowChunks + 1;
    while (this.nextSeq < giveUpBefore) {
      if (this.held.has(this.nextSeq)) {
        this.release(out);
      } else {
        const nextHeld = Math.min(giveUpBefore, ...[...this.held.keys()].filter((s) => s > this.nextSeq));
        this.gap(nextHeld, out);
      }
    }
    while (this.held.has(this.nextSeq)) this.release(out);
    return out;
  }

  /** End of the stream: releases the held chunks, the missing ones between them as gaps. */
  flush(): OrderedInput[] {
    const out: OrderedInput[] = [];
    for (const seq of [...this.held.keys()].sort((a, b) => a - b)) {
      if (seq > this.nextSeq) this.gap(seq, out);
      this.release(out);
    }
    return out;
  }

  toBuffer(): Uint8Array {
    const writer = new ByteWriter();
    for (const byte of MAGIC) writer.u8(byte);
    writer.u8(FORMAT_VERSION).u16(this.options.windowChunks).u32(this.options.chunkSamples);
    writer.f64(this.nextSeq).u16(this.held.size);
    for (const [seq, pcm] of [...this.held].sort(([a], [b]) => a - b)) writer.f64(seq).samples(pcm);
    return writer.finish();
  }

  private release(out: OrderedInput[]): void {
    const pcm = this.held.get(this.nextSeq)!;
    this.held.delete(this.nextSeq);
    out.push({ kind: 'chunk', seq: this.nextSeq, pcm });
    this.nextSeq++;
  }

  private gap(toSeq: number, out: OrderedInput[]): void {
    out.push({ kind: 'gap', fromSeq: this.nextSeq, toSeq, missingSamples: (toSeq - this.nextSeq) * this.options.chunkSamples });
    this.nextSeq = toSeq;
  }
}
