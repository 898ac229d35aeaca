/**
 * Cuts a 16 kHz mono stream into speech segments, incrementally: py-webrtcvad's reference collector
 * (example.py's vad_collector) followed by the merge of segments separated by less than `mergeGapMs`.
 *
 * - Frames of `frameMs` are classified by a WebRTC VAD in order from sample 0; a trailing partial frame waits
 *   for the next `feed()` and is never classified at the end of the stream.
 * - A ring holds the last floor(paddingMs / frameMs) decisions (300 / 30 = 10). Not in a segment: when more
 *   than 90 % of the ring is voiced a segment opens, starting at the ring's first frame. In a segment: when
 *   more than 90 % is unvoiced it closes, ending at the end of the current frame. `end()` closes an open one.
 * - A closed segment is held until no later segment can start less than `mergeGapMs` after its end (the
 *   ring shows the earliest possible start), then emitted; a segment that starts within the gap is merged
 *   into it (the merged segment includes the gap's audio). So a segment is emitted about
 *   mergeGapMs + paddingMs after it closes, 600 ms by default.
 * - No segment is longer than `maxSegmentMs` (default 30 s, rounded down to whole frames): an open segment
 *   that would grow past it is cut there (`endedBy: 'max-length'`) and goes on as a new segment from the cut;
 *   a merge that would make a segment longer than that does not happen. Without cuts the segments are the
 *   reference collector's, merged, exactly.
 * - `skip(missingSamples)` marks a discontinuity (lost input): held and open segments are emitted
 *   (`endedBy: 'gap'` for the open one), the ring is cleared, and positions jump over the missing samples.
 *   The VAD keeps its adapted state and goes on with the audio after the gap.
 *
 * Each segment carries its PCM, so the collector keeps the audio it may still have to return: the ring's
 * frames, the open or held segment and the audio after a held one. The bound is
 * maxSegmentMs + mergeGapMs + paddingMs plus a partial frame: 30.6 s, 979 KB of samples by default.
 * `toBuffer()` writes the whole state, that audio included, as one versioned binary record: 77 bytes of
 * options, positions and ring (default options), the VAD's 744-byte snapshot, then the partial frame and the
 * retained audio as s16le. In silence that is under 11.5 KB (the ring's 300 ms of audio is kept, as a segment
 * may start there); at most 980 979 bytes by default. `restore()` continues from it exactly, on any worker.
 */
import { ByteReader, ByteWriter } from './byte-codec.js';
import { PcmWindow } from './pcm-window.js';
import { VAD_FRAME_MS, VAD_MODES, VAD_SAMPLE_RATE, vadFrameSamples, type VadFrameMs, type VadMode, type WebRtcVad, type WebRtcVadRuntime } from './webrtc-vad.js';

export interface SpeechCollectorOptions {
  /** WebRTC VAD aggressiveness, 0..3. */
  mode: VadMode;
  /** VAD frame length: 10, 20 or 30 ms. */
  frameMs: VadFrameMs;
  /** Length of the decision ring: floor(paddingMs / frameMs) frames. */
  paddingMs: number;
  /** Segments separated by strictly less than this are merged; 0 never merges. */
  mergeGapMs: number;
  /** Longest segment; longer speech is cut into pieces of this length. */
  maxSegmentMs: number;
}

export const SPEECH_COLLECTOR_DEFAULTS: Readonly<SpeechCollectorOptions> = {
  mode: 3,
  frameMs: 30,
  paddingMs: 300,
  mergeGapMs: 300,
  maxSegmentMs: 30_000,
};

/** Why a segment ended: speech stopped, it reached maxSegmentMs, input was missing, or the stream ended. */
export type SegmentEnd = 'silence' | 'max-length' | 'gap' | 'end-of-stream';

export interface SpeechSegment {
  /** First sample, counted from the stream's sample 0 (missing input counts too, see `skip`). */
  startSample: number;
  /** One past the last sample. */
  endSample: number;
  startSeconds: number;
  endSeconds: number;
  /** The segment's audio: endSample - startSample samples. */
  pcm: Int16Array;
  endedBy: SegmentEnd;
}

const MAGIC = [0x57, 0x53, 0x43]; // "WSC"
const FORMAT_VERSION = 1;
const MAX_RING = 255;

export class SpeechCollector {
  readonly options: Readonly<SpeechCollectorOptions>;
  private readonly frameSamples: number;
  private readonly ringSize: number;
  private readonly mergeGapSamples: number;
  private readonly maxSegmentSamples: number;

  /** Sample where the next frame starts: everything before it is classified. */
  private nextFrame = 0;
  private readonly partial: Int16Array;
  private partialLength = 0;
  /** Decisions of the last `ringLength` frames, a circular buffer from `ringHead`. */
  private readonly ring: Uint8Array;
  private ringHead = 0;
  private ringLength = 0;
  private ringVoiced = 0;
  private triggered = false;
  private openStart = 0;
  /** A closed segment waiting to know whether the next one merges into it. */
  private pending: { start: number; end: number } | undefined;
  /** Audio from the first sample that may still be returned up to `nextFrame`. */
  private readonly audio: PcmWindow;
  private ended = false;

  private constructor(
    private readonly vad: WebRtcVad,
    options: SpeechCollectorOptions,
  ) {
    this.options = Object.freeze({ ...options });
    this.frameSamples = vadFrameSamples(options.frameMs);
    this.ringSize = Math.floor(options.paddingMs / options.frameMs);
    this.mergeGapSamples = (options.mergeGapMs * VAD_SAMPLE_RATE) / 1000;
    this.maxSegmentSamples = Math.floor(options.maxSegmentMs / options.frameMs) * this.frameSamples;
    this.partial = new Int16Array(this.frameSamples);
    this.ring = new Uint8Array(this.ringSize);
    this.audio = new PcmWindow(0, this.frameSamples * this.ringSize * 2);
  }

  /** A collector for a new stream, with a fresh VAD. */
  static create(runtime: WebRtcVadRuntime, options: Partial<SpeechCollectorOptions> = {}): SpeechCollector {
    const resolved = checkOptions({ ...SPEECH_COLLECTOR_DEFAULTS, ...options });
    return new SpeechCollector(runtime.create(resolved.mode), resolved);
  }

  /** The collector `toBuffer()` was called on, in exactly the same state (its options included). */
  static restore(runtime: WebRtcVadRuntime, state: Uint8Array): SpeechCollector {
    const reader = new ByteReader(state, 'speech collector state');
    if (MAGIC.some((byte) => reader.u8() !== byte)) throw new RangeError('speech collector state: bad magic bytes');
    const version = reader.u8();
    if (version !== FORMAT_VERSION) throw new RangeError(`speech collector state: unsupported version ${version}`);
    const options = checkOptions({
      mode: reader.u8() as VadMode,
      frameMs: reader.u8() as VadFrameMs,
      paddingMs: reader.u16(),
      mergeGapMs: reader.u16(),
      maxSegmentMs: reader.u32(),
    });
    const flags = reader.u8();
    const nextFrame = reader.f64();
    const openStart = reader.f64();
    const pendingStart = reader.f64();
    const pendingEnd = reader.f64();
    const ring = reader.bytesWithLength();
    const vadSnapshot = reader.bytesWithLength();
    const partial = reader.samples();
    const audio = reader.samples();
    reader.end();

    const collector = new SpeechCollector(runtime.restore(vadSnapshot), options);
    if (collector.vad.mode !== options.mode) throw new RangeError('speech collector state: VAD mode differs from the options');
    if (ring.length > collector.ringSize || partial.length >= collector.frameSamples) {
      throw new RangeError(`speech collector state: ring of ${ring.length} or partial frame of ${partial.length} too long`);
    }
    collector.nextFrame = nextFrame;
    collector.triggered = (flags & 1) !== 0;
    collector.openStart = openStart;
    collector.pending = (flags & 2) !== 0 ? { start: pendingStart, end: pendingEnd } : undefined;
    for (const decision of ring) collector.ringPush(decision === 1);
    collector.partial.set(partial);
    collector.partialLength = partial.length;
    const retainedStart = collector.retainedStart();
    if (audio.length !== nextFrame - retainedStart) {
      throw new RangeError(`speech collector state: ${audio.length} samples of audio, expected ${nextFrame - retainedStart}`);
    }
    collector.audio.resetTo(retainedStart);
    collector.audio.append(audio);
    return collector;
  }

  /** Feeds the next samples of the stream (any length); returns the segments that became final. */
  feed(pcm: Int16Array): SpeechSegment[] {
    this.checkOpen('feed');
    const out: SpeechSegment[] = [];
    const n = this.frameSamples;
    let offset = 0;
    if (this.partialLength > 0) {
      offset = Math.min(n - this.partialLength, pcm.length);
      this.partial.set(pcm.subarray(0, offset), this.partialLength);
      this.partialLength += offset;
      if (this.partialLength < n) return out;
      this.partialLength = 0;
      this.processFrame(this.partial, out);
    }
    for (; offset + n <= pcm.length; offset += n) this.processFrame(pcm.subarray(offset, offset + n), out);
    this.partial.set(pcm.subarray(offset));
    this.partialLength = pcm.length - offset;
    return out;
  }

  /**
   * Input is missing: `missingSamples` samples after those fed so far will never come. Emits the held and
   * open segments (the open one ends at the last classified frame, `endedBy: 'gap'`), drops the partial
   * frame, and goes on at the sample after the gap.
   */
  skip(missingSamples: number): SpeechSegment[] {
    this.checkOpen('skip');
    if (!Number.isInteger(missingSamples) || missingSamples < 0) {
      throw new RangeError(`missing samples must be a non-negative integer, got ${missingSamples}`);
    }
    const out = this.closeAll('gap');
    this.nextFrame += this.partialLength + missingSamples;
    this.partialLength = 0;
    this.audio.resetTo(this.nextFrame);
    return out;
  }

  /** The stream is over: emits the held and open segments and frees the VAD. The collector takes no more input. */
  end(): SpeechSegment[] {
    this.checkOpen('end');
    const out = this.closeAll('end-of-stream');
    this.ended = true;
    this.vad.free();
    return out;
  }

  /** Samples fed so far (plus skipped ones), the partial frame included. */
  get receivedSamples(): number {
    return this.nextFrame + this.partialLength;
  }

  /** The whole state as one versioned binary record; see the module comment for its size. */
  toBuffer(): Uint8Array {
    this.checkOpen('toBuffer');
    const audio = this.audio.view();
    const writer = new ByteWriter(128 + 744 + 2 * (this.partialLength + audio.length) + this.ringLength);
    for (const byte of MAGIC) writer.u8(byte);
    writer.u8(FORMAT_VERSION);
    const { mode, frameMs, paddingMs, mergeGapMs, maxSegmentMs } = this.options;
    writer.u8(mode).u8(frameMs).u16(paddingMs).u16(mergeGapMs).u32(maxSegmentMs);
    writer.u8((this.triggered ? 1 : 0) | (this.pending ? 2 : 0));
    writer.f64(this.nextFrame).f64(this.openStart).f64(this.pending?.start ?? 0).f64(this.pending?.end ?? 0);
    const ring = new Uint8Array(this.ringLength);
    for (let i = 0; i < this.ringLength; i++) ring[i] = this.ring[(this.ringHead + i) % this.ringSize]!;
    writer.block(ring);
    writer.block(this.vad.snapshot());
    writer.samples(this.partial.subarray(0, this.partialLength));
    writer.samples(audio);
    return writer.finish();
  }

  /** Releases the VAD's wasm memory now instead of at garbage collection. */
  free(): void {
    this.vad.free();
  }

  private processFrame(frame: Int16Array, out: SpeechSegment[]): void {
    const voiced = this.vad.isSpeech(frame);
    const frameEnd = this.nextFrame + this.frameSamples;
    this.audio.append(frame);
    this.nextFrame = frameEnd;
    const threshold = 0.9 * this.ringSize; // example.py's "> 0.9 * ring_buffer.maxlen", same float arithmetic
    if (!this.triggered) {
      this.ringPush(voiced);
      if (this.ringVoiced > threshold) this.open(frameEnd - this.ringLength * this.frameSamples, frameEnd, out);
    } else {
      if (frameEnd - this.openStart > this.maxSegmentSamples) {
        const cut = this.openStart + this.maxSegmentSamples;
        out.push(this.segment(this.openStart, cut, 'max-length'));
        this.openStart = cut;
      }
      this.ringPush(voiced);
      if (this.ringLength - this.ringVoiced > threshold) {
        this.triggered = false;
        this.ringClear();
        this.pending = { start: this.openStart, end: frameEnd };
      }
    }
    if (this.pending && this.earliestNextStart() - this.pending.end >= this.mergeGapSamples) {
      out.push(this.segment(this.pending.start, this.pending.end, 'silence'));
      this.pending = undefined;
    }
    this.audio.dropBefore(this.retainedStart());
  }

  /** Opens a segment starting at `start`, merged into the held one when close enough and short enough. */
  private open(start: number, frameEnd: number, out: SpeechSegment[]): void {
    this.ringClear();
    this.triggered = true;
    this.openStart = start;
    if (this.pending) {
      const merge = start - this.pending.end < this.mergeGapSamples && frameEnd - this.pending.start <= this.maxSegmentSamples;
      if (merge) this.openStart = this.pending.start;
      else out.push(this.segment(this.pending.start, this.pending.end, 'silence'));
      this.pending = undefined;
    }
  }

  private closeAll(openEndedBy: SegmentEnd): SpeechSegment[] {
    const out: SpeechSegment[] = [];
    if (this.pending) out.push(this.segment(this.pending.start, this.pending.end, 'silence'));
    if (this.triggered) out.push(this.segment(this.openStart, this.nextFrame, openEndedBy));
    this.pending = undefined;
    this.triggered = false;
    this.ringClear();
    return out;
  }

  /**
   * No later segment can start before this sample: a segment starts at the ring's first frame when it
   * opens, and the ring only slides forward (a full ring drops its first frame with the next one).
   */
  private earliestNextStart(): number {
    return this.nextFrame - Math.min(this.ringLength, this.ringSize - 1) * this.frameSamples;
  }

  /** First sample a future segment may include. */
  private retainedStart(): number {
    if (this.triggered) return this.openStart;
    if (this.pending) return this.pending.start;
    return this.nextFrame - this.ringLength * this.frameSamples;
  }

  private segment(start: number, end: number, endedBy: SegmentEnd): SpeechSegment {
    return {
      startSample: start,
      endSample: end,
      startSeconds: start / VAD_SAMPLE_RATE,
      endSeconds: end / VAD_SAMPLE_RATE,
      pcm: this.audio.copy(start, end),
      endedBy,
    };
  }

  private ringPush(voiced: boolean): void {
    if (this.ringLength === this.ringSize) {
      this.ringVoiced -= this.ring[this.ringHead]!;
      this.ringHead = (this.ringHead + 1) % this.ringSize;
      this.ringLength--;
    }
    const value = voiced ? 1 : 0;
    this.ring[(this.ringHead + this.ringLength) % this.ringSize] = value;
    this.ringLength++;
    this.ringVoiced += value;
  }

  private ringClear(): void {
    this.ringHead = 0;
    this.ringLength = 0;
    this.ringVoiced = 0;
  }

  private checkOpen(operation: string): void {
    if (this.ended) throw new Error(`SpeechCollector.${operation}() after end()`);
  }
}

function checkOptions(options: SpeechCollectorOptions): SpeechCollectorOptions {
  const { mode, frameMs, paddingMs, mergeGapMs, maxSegmentMs } = options;
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new RangeError(`speech collector option ${field} must be ${expected}, got ${String(value)}`);
  };
  if (!VAD_MODES.includes(mode)) fail('mode', '0, 1, 2 or 3', mode);
  if (!VAD_FRAME_MS.includes(frameMs)) fail('frameMs', '10, 20 or 30', frameMs);
  const ring = Math.floor(paddingMs / frameMs);
  if (!Number.isInteger(paddingMs) || ring < 1 || ring > MAX_RING) {
    fail('paddingMs', `an integer of 1 to ${MAX_RING} frames of ${frameMs} ms`, paddingMs);
  }
  if (!Number.isInteger(mergeGapMs) || mergeGapMs < 0 || mergeGapMs > 0xffff) fail('mergeGapMs', 'an integer in [0, 65535]', mergeGapMs);
  if (!Number.isInteger(maxSegmentMs) || maxSegmentMs > 0xffffffff || Math.floor(maxSegmentMs / frameMs) <= ring) {
    fail('maxSegmentMs', `an integer longer than the padding (${ring * frameMs} ms)`, maxSegmentMs);
  }
  return options;
}
