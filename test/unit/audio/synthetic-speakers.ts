import { Prng } from '../../../audio/corpus/prng.js';
import type { DiarizerChunk, EmbedFunction } from '../../../audio/streaming-diarizer.js';

/**
 * Synthetic speakers for deterministic diarization tests, with no model: PCM whose samples carry
 * a speaker code, and a fake embedder that turns a window's mix of codes into a noisy mix of the
 * speakers' voice vectors (different voices ≈ 0.5 cosine apart, a pure window ≈ 0.96 from its
 * voice), the noise a pure function of the PCM.
 */

const DIMENSION = 64;
const SAMPLE_RATE = 16_000;
const CODE = 1000;

export interface SyntheticTurn {
  speaker: number;
  /** Seconds. */
  start: number;
  end: number;
}

function unitGaussian(rng: Prng): Float32Array {
  const v = Float32Array.from({ length: DIMENSION }, () => rng.gaussian());
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const common = unitGaussian(new Prng(1000));

/** Speaker `s`'s voice: a shared direction plus its own, cosine ≈ 0.5 between two voices. */
export function voice(s: number): Float32Array {
  const own = unitGaussian(new Prng(2000 + s));
  const v = own.map((x, i) => x + common[i]!);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** An embedding of a window holding the given voices in the given shares, with seeded noise of size `noise`. */
export function noisyEmbedding(shares: ReadonlyMap<number, number>, seed: number, noise = 0.3): Float32Array {
  const e = new Float32Array(DIMENSION);
  for (const [s, share] of shares) {
    const v = voice(s);
    for (let i = 0; i < DIMENSION; i++) e[i] = e[i]! + share * v[i]!;
  }
  const n = unitGaussian(new Prng(seed));
  for (let i = 0; i < DIMENSION; i++) e[i] = e[i]! + noise * n[i]!;
  return e;
}

/** A stream of `seconds` whose turns hold speaker codes (silence elsewhere), and its turns as speech pieces. */
export function syntheticStream(turns: readonly SyntheticTurn[], seconds: number): Int16Array {
  const pcm = new Int16Array(Math.round(seconds * SAMPLE_RATE));
  for (const t of turns) {
    for (let i = Math.round(t.start * SAMPLE_RATE); i < Math.round(t.end * SAMPLE_RATE); i++) pcm[i] = CODE * (t.speaker + 1) + (i % 13);
  }
  return pcm;
}

/** The stream in chunks of `chunkSeconds`, the turns' samples as speech. */
export function syntheticChunks(pcm: Int16Array, turns: readonly SyntheticTurn[], chunkSeconds = 1): DiarizerChunk[] {
  const chunk = Math.round(chunkSeconds * SAMPLE_RATE);
  const regions = turns.map((t) => ({ start: Math.round(t.start * SAMPLE_RATE), end: Math.round(t.end * SAMPLE_RATE) })).sort((a, b) => a.start - b.start);
  const chunks: DiarizerChunk[] = [];
  for (let from = 0; from < pcm.length; from += chunk) {
    const to = Math.min(pcm.length, from + chunk);
    const speech = regions
      .map((r) => ({ start: Math.max(from, r.start), end: Math.min(to, r.end) }))
      .filter((r) => r.end > r.start)
      .map((r) => ({ start: r.start, pcm: pcm.subarray(r.start, r.end) }));
    chunks.push({ end: to, speech });
  }
  return chunks;
}

/** The fake embedder: voices in proportion to their codes' samples, noise seeded by an FNV-1a hash of the PCM. */
export const fakeEmbed: EmbedFunction = async (pcm) => {
  const counts = new Map<number, number>();
  let hash = 0x811c9dc5;
  for (const x of pcm) {
    const s = Math.round(x / CODE) - 1;
    if (s >= 0) counts.set(s, (counts.get(s) ?? 0) + 1);
    hash = Math.imul(hash ^ (x & 0xffff), 0x01000193) >>> 0;
  }
  const shares = new Map([...counts].map(([s, n]) => [s, n / pcm.length]));
  return noisyEmbedding(shares, hash);
};
