/**
 * One stream's speech segmentation from numbered PCM chunks: the chunk reorder buffer in front of the
 * speech collector, with one state record for both. This is what a streaming operator keeps per stream key:
 *
 *   const runtime = await WebRtcVadRuntime.load();                       // once per worker
 *   const segmenter = saved ? SpeechSegmenter.restore(runtime, saved) : SpeechSegmenter.create(runtime, options);
 *   const { segments, dropped } = segmenter.push(seq, pcm);             // segments that became final
 *   saved = segmenter.toBuffer();                                        // with the outputs, in one commit
 *   ... at the end of the stream: segmenter.end() returns the last segments.
 *
 * Chunks within the reorder window give the same segments as in-order input; a chunk given up closes the
 * open segment (`endedBy: 'gap'`) and later positions count the missing chunks at their nominal length.
 *
 * State size: the collector's (under 11.5 KB in silence, at most 980 979 bytes with a 30 s maxSegmentMs)
 * plus the held chunks (at most windowChunks - 1: 64 KB by default), so at most about 1.045 MB by default.
 * That is within 1 MiB, but barely: a Kafka changelog topic carrying it needs max.message.bytes (and the
 * producer's request size) raised, or a lower maxSegmentMs (each second less saves 32 KB).
 */
import { ByteReader, ByteWriter } from './byte-codec.js';
import { CHUNK_REORDER_DEFAULTS, ChunkReorderBuffer, type ChunkReorderOptions, type OrderedInput } from './chunk-reorder.js';
import { SPEECH_COLLECTOR_DEFAULTS, SpeechCollector, type SpeechCollectorOptions, type SpeechSegment } from './speech-collector.js';
import type { WebRtcVadRuntime } from './webrtc-vad.js';

export type SpeechSegmenterOptions = SpeechCollectorOptions & ChunkReorderOptions;

export const SPEECH_SEGMENTER_DEFAULTS: Readonly<SpeechSegmenterOptions> = { ...SPEECH_COLLECTOR_DEFAULTS, ...CHUNK_REORDER_DEFAULTS };

export interface SegmenterOutput {
  segments: SpeechSegment[];
  /** Chunks that came after their place was passed, or twice; their audio is not used. */
  dropped: { seq: number; reason: 'late' | 'duplicate' }[];
}

const MAGIC = [0x57, 0x53, 0x47]; // "WSG"
const FORMAT_VERSION = 1;

export class SpeechSegmenter {
  private constructor(
    private readonly reorder: ChunkReorderBuffer,
    private readonly collector: SpeechCollector,
  ) {}

  static create(runtime: WebRtcVadRuntime, options: Partial<SpeechSegmenterOptions> = {}): SpeechSegmenter {
    const { windowChunks, chunkSamples, ...collectorOptions } = options;
    const reorder = new ChunkReorderBuffer({
      windowChunks: windowChunks ?? CHUNK_REORDER_DEFAULTS.windowChunks,
      chunkSamples: chunkSamples ?? CHUNK_REORDER_DEFAULTS.chunkSamples,
    });
    return new SpeechSegmenter(reorder, SpeechCollector.create(runtime, collectorOptions));
  }

  /** The segmenter `toBuffer()` was called on, in exactly the same state. */
  static restore(runtime: WebRtcVadRuntime, state: Uint8Array): SpeechSegmenter {
    const reader = new ByteReader(state, 'speech segmenter state');
    if (MAGIC.some((byte) => reader.u8() !== byte)) throw new RangeError('speech segmenter state: bad magic bytes');
    const version = reader.u8();
    if (version !== FORMAT_VERSION) throw new RangeError(`speech segmenter state: unsupported version ${version}`);
    const reorder = ChunkReorderBuffer.restore(reader.bytesWithLength());
    const collector = SpeechCollector.restore(runtime, reader.bytesWithLength());
    reader.end();
    return new SpeechSegmenter(reorder, collector);
  }

  get options(): Readonly<SpeechSegmenterOptions> {
    return { ...this.collector.options, ...this.reorder.options };
  }

  /** Takes chunk `seq` (numbered from 0) of 16 kHz mono PCM. */
  push(seq: number, pcm: Int16Array): SegmenterOutput {
    return this.apply(this.reorder.push(seq, pcm));
  }

  /** End of the stream: held chunks are processed (missing ones as gaps), then the last segments are emitted. */
  end(): SpeechSegment[] {
    const { segments } = this.apply(this.reorder.flush());
    return [...segments, ...this.collector.end()];
  }

  toBuffer(): Uint8Array {
    const reorder = this.reorder.toBuffer();
    const collector = this.collector.toBuffer();
    const writer = new ByteWriter(16 + reorder.length + collector.length);
    for (const byte of MAGIC) writer.u8(byte);
    return writer.u8(FORMAT_VERSION).block(reorder).block(collector).finish();
  }

  /** Releases the VAD's wasm memory now instead of at garbage collection. */
  free(): void {
    this.collector.free();
  }

  private apply(inputs: OrderedInput[]): SegmenterOutput {
    const out: SegmenterOutput = { segments: [], dropped: [] };
    for (const input of inputs) {
      if (input.kind === 'chunk') out.segments.push(...this.collector.feed(input.pcm));
      else if (input.kind === 'gap') out.segments.push(...this.collector.skip(input.missingSamples));
      else out.dropped.push({ seq: input.seq, reason: input.reason });
    }
    return out;
  }
}
