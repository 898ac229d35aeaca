import { Prng } from '../../../audio/corpus/prng.js';

/**
 * Synthetic speakers for deterministic diarization tests, with no model: noisy mixes of the
 * speakers' voice vectors (different voices ≈ 0.5 cosine apart, a pure window ≈ 0.96 from its
 * voice), the noise seeded.
 */

const DIMENSION = 64;

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
