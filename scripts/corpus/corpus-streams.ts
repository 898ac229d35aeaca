/**
 * Feeds the conversations of a generated corpus through the streaming diarizer as live streams
 * would arrive: speech pieces (energy speech detection, as the offline baseline uses) cut into
 * fixed chunks, the state serialised and restored after every chunk as an operator would.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpeakerSegment } from '../../audio/der.js';
import { groupByFile, parseRttm, type SpeakerTurn } from '../../audio/rttm.js';
import { speechRegions } from '../../audio/speech-regions.js';
import { StreamingDiarizer, type DiarizerChunk, type EmbedFunction, type SegmentRecord, type StreamingDiarizerParams } from '../../audio/streaming-diarizer.js';
import { decodeWav } from '../../audio/wav.js';

export interface CorpusConversation {
  id: string;
  pcm: Int16Array;
  reference: SpeakerTurn[];
}

export interface StreamRun {
  /** Every segment with the label it was first emitted with. */
  firstEmitted: SpeakerSegment[];
  /** Every segment with its last revision. */
  final: SpeakerSegment[];
  /** Wall time of each process() call (embedding included), ms; finish() is not a chunk. */
  chunkMs: number[];
  /** Of which the embedding calls took, first start to last end, ms. */
  embedMs: number[];
  /** Wall time of serialise + restore after each chunk, ms. */
  stateMs: number[];
  /** Serialised state after each chunk, bytes. */
  stateBytes: number[];
  corrections: number;
  /** Per segment: the confidence it was first emitted with, and whether it was corrected later. */
  firstConfidence: { confidence: number; corrected: boolean }[];
  /** Seconds from a segment's end to the end of the chunk whose processing first emitted it (stream time). */
  firstEmissionDelays: number[];
}

const SAMPLE_RATE = 16_000;

export async function loadCorpus(dir: string): Promise<CorpusConversation[]> {
  const reference = groupByFile(parseRttm(await readFile(join(dir, 'corpus.rttm'), 'utf8')));
  const conversations: CorpusConversation[] = [];
  for (const [id, turns] of reference) {
    conversations.push({ id, pcm: decodeWav(await readFile(join(dir, `${id}.wav`))).samples, reference: turns });
  }
  return conversations;
}

/** The conversation's speech (the offline baseline's detector and settings) in chunks of `chunkSeconds`. */
export function speechChunks(pcm: Int16Array, chunkSeconds: number): DiarizerChunk[] {
  const regions = speechRegions(pcm, { sampleRate: SAMPLE_RATE, minGap: 0.2 }).map((r) => ({
    start: Math.round(r.start * SAMPLE_RATE),
    end: Math.min(pcm.length, Math.round(r.end * SAMPLE_RATE)),
  }));
  const chunkSamples = Math.round(chunkSeconds * SAMPLE_RATE);
  const chunks: DiarizerChunk[] = [];
  for (let from = 0; from < pcm.length; from += chunkSamples) {
    const to = Math.min(pcm.length, from + chunkSamples);
    const speech = regions
      .map((r) => ({ start: Math.max(from, r.start), end: Math.min(to, r.end) }))
      .filter((r) => r.end > r.start)
      .map((r) => ({ start: r.start, pcm: pcm.subarray(r.start, r.end) }));
    chunks.push({ end: to, speech });
  }
  return chunks;
}

export async function runStream(chunks: readonly DiarizerChunk[], embed: EmbedFunction, params: StreamingDiarizerParams): Promise<StreamRun> {
  const run: StreamRun = { firstEmitted: [], final: [], chunkMs: [], embedMs: [], stateMs: [], stateBytes: [], corrections: 0, firstConfidence: [], firstEmissionDelays: [] };
  const span = { calls: 0, from: 0n, to: 0n };
  const timedEmbed: EmbedFunction = async (pcm) => {
    if (span.calls++ === 0) span.from = process.hrtime.bigint();
    try {
      return await embed(pcm);
    } finally {
      span.to = process.hrtime.bigint();
    }
  };
  const first = new Map<number, SegmentRecord>();
  const latest = new Map<number, SegmentRecord>();
  const record = (segments: readonly SegmentRecord[], now: number): void => {
    for (const s of segments) {
      if (!first.has(s.segmentId)) {
        first.set(s.segmentId, s);
        run.firstEmissionDelays.push(now - s.end);
      } else run.corrections++;
      latest.set(s.segmentId, s);
    }
  };
  let diarizer = StreamingDiarizer.create(timedEmbed, params);
  for (const chunk of chunks) {
    span.calls = 0;
    const started = process.hrtime.bigint();
    const { segments } = await diarizer.process(chunk);
    run.chunkMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    run.embedMs.push(span.calls > 0 ? Number(span.to - span.from) / 1e6 : 0);
    record(segments, chunk.end / SAMPLE_RATE);
    const saving = process.hrtime.bigint();
    const state = diarizer.serialize();
    diarizer = StreamingDiarizer.restore(state, timedEmbed, params);
    run.stateMs.push(Number(process.hrtime.bigint() - saving) / 1e6);
    run.stateBytes.push(state.length);
  }
  const end = chunks.length > 0 ? chunks[chunks.length - 1]!.end / SAMPLE_RATE : 0;
  record((await diarizer.finish()).segments, end);
  const toSegment = (s: SegmentRecord): SpeakerSegment => ({ start: s.start, duration: s.end - s.start, speaker: `speaker${s.speaker}` });
  run.firstEmitted = [...first.values()].map(toSegment);
  run.firstConfidence = [...first.values()].map((s) => ({ confidence: s.confidence, corrected: latest.get(s.segmentId)!.revision > 0 }));
  run.final = [...latest.values()].map(toSegment);
  return run;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
