import { clusterEmbeddings, type ClusteringOptions } from './agglomerative-clustering.js';
import type { SpeakerSegment } from './der.js';
import type { SpeakerEmbedder } from './speaker-embedder.js';
import { speechRegions } from './speech-regions.js';

export interface OfflineDiarizerOptions extends ClusteringOptions {
  sampleRate?: number;
  /** Embedding window, seconds. */
  window?: number;
  /** Window hop, seconds. */
  hop?: number;
  /** Windows with less speech than this share are not embedded. */
  minSpeechShare?: number;
}

/** Average-linkage cosine threshold, chosen on generated dev sets (seeds 1 and 2). */
export const DEFAULT_BASELINE_THRESHOLD = 0.65;

const FRAME = 0.01;

/**
 * Offline diarization baseline: energy speech detection, embeddings of sliding windows over the
 * whole recording, agglomerative clustering, then each speech frame labelled with the cluster of
 * the window centred nearest to it. One speaker per frame (no overlap output).
 */
export async function diarizeOffline(embedder: SpeakerEmbedder, pcm: Int16Array, options: OfflineDiarizerOptions = {}): Promise<SpeakerSegment[]> {
  const { sampleRate = 16_000, window = 1.5, hop = 0.75, minSpeechShare = 0.3 } = options;
  const clustering: ClusteringOptions = options.clusters !== undefined ? { clusters: options.clusters } : { threshold: options.threshold ?? DEFAULT_BASELINE_THRESHOLD };
  const frames = Math.floor(pcm.length / (FRAME * sampleRate));
  const speech = new Uint8Array(frames);
  for (const r of speechRegions(pcm, { sampleRate, minGap: 0.2 })) {
    for (let f = Math.round(r.start / FRAME); f < Math.min(frames, Math.round(r.end / FRAME)); f++) speech[f] = 1;
  }

  const windowFrames = Math.round(window / FRAME);
  const hopFrames = Math.round(hop / FRAME);
  const centres: number[] = [];
  const embeddings: Float32Array[] = [];
  for (let start = 0; start < frames; start += hopFrames) {
    const end = Math.min(frames, start + windowFrames);
    let voiced = 0;
    for (let f = start; f < end; f++) voiced += speech[f]!;
    if (voiced < minSpeechShare * windowFrames) continue;
    const samples = pcm.subarray(Math.round(start * FRAME * sampleRate), Math.round(end * FRAME * sampleRate));
    embeddings.push(await embedder.embed(samples));
    centres.push((start + end) / 2);
    if (end === frames) break;
  }
  if (embeddings.length === 0) return [];
  const labels = clusterEmbeddings(embeddings, clustering);

  const segments: SpeakerSegment[] = [];
  let w = 0;
  for (let f = 0; f < frames; f++) {
    if (!speech[f]) continue;
    while (w + 1 < centres.length && Math.abs(centres[w + 1]! - f) <= Math.abs(centres[w]! - f)) w++;
    const speaker = `speaker${labels[w]}`;
    const last = segments[segments.length - 1];
    if (last && last.speaker === speaker && Math.abs(last.start + last.duration - f * FRAME) < 1e-9) last.duration += FRAME;
    else segments.push({ start: f * FRAME, duration: FRAME, speaker });
  }
  return segments;
}
