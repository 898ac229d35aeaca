import type { Prng } from './prng.js';

/**
 * Synthetic unit embeddings shaped like a real model's: a common mean direction u plus isotropic
 * noise, renormalised —
 *
 *   x = (κ·u + z) / ‖κ·u + z‖,   z ~ N(0, I_d / d)   (so ‖z‖ ≈ 1)
 *
 * The concentration κ sets how alike two random items are: their expected cosine is ‖E x‖² ≈ κ²/(1+κ²)
 * for large d (0.30 for κ = 0.655; sentence encoders sit around 0.1–0.3, CLIP image embeddings near
 * 0.5). By symmetry E x points exactly along u, which makes shifts easy to state.
 *
 * A shift of size s moves the mean direction to u' = (u + s·w) / ‖u + s·w‖ with w a random unit vector
 * orthogonal to u: the angle between u and u' is atan(s), and the population `mean-cosine` score is
 * 1 − 1/√(1 + s²), whatever κ and d (`meanCosineForShift`).
 */
export class EmbeddingSampler {
  private readonly noise: Float64Array;

  constructor(
    readonly dimension: number,
    private readonly prng: Prng,
  ) {
    this.noise = new Float64Array(dimension);
  }

  /** One embedding around the unit `direction` with concentration κ, written to `out`. */
  sample(direction: Float64Array, concentration: number, out: Float32Array = new Float32Array(this.dimension)): Float32Array {
    const d = this.dimension;
    this.prng.fillGaussian(this.noise, 1 / Math.sqrt(d));
    let norm2 = 0;
    for (let i = 0; i < d; i++) {
      const v = concentration * direction[i]! + this.noise[i]!;
      this.noise[i] = v;
      norm2 += v * v;
    }
    const scale = 1 / Math.sqrt(norm2);
    for (let i = 0; i < d; i++) out[i] = this.noise[i]! * scale;
    return out;
  }
}

/** A direction drawn uniformly on the unit sphere of dimension d. */
export function randomUnitVector(prng: Prng, dimension: number): Float64Array {
  const v = new Float64Array(dimension);
  prng.fillGaussian(v);
  return normalise(v);
}

/** A random unit vector orthogonal to the unit vector `base` (Gram–Schmidt on a random direction). */
export function randomOrthogonalUnitVector(prng: Prng, base: Float64Array): Float64Array {
  const v = randomUnitVector(prng, base.length);
  let dot = 0;
  for (let i = 0; i < v.length; i++) dot += v[i]! * base[i]!;
  for (let i = 0; i < v.length; i++) v[i]! -= dot * base[i]!;
  return normalise(v);
}

/** The mean direction after a shift of size s towards the unit vector `towards` (orthogonal to `base`). */
export function shiftedDirection(base: Float64Array, towards: Float64Array, size: number, out: Float64Array = new Float64Array(base.length)): Float64Array {
  for (let i = 0; i < base.length; i++) out[i] = base[i]! + size * towards[i]!;
  return normalise(out);
}

/** Population `mean-cosine` score of a shift of size s: 1 − cos(atan s) = 1 − 1/√(1 + s²). */
export function meanCosineForShift(size: number): number {
  return 1 - 1 / Math.sqrt(1 + size * size);
}

/** The shift size whose population `mean-cosine` score is `score` (inverse of meanCosineForShift). */
export function shiftForMeanCosine(score: number): number {
  const cosine = 1 - score;
  return Math.sqrt(1 / (cosine * cosine) - 1);
}

/** Expected cosine between two random embeddings of concentration κ, for large d: κ²/(1+κ²). */
export function pairwiseCosineOf(concentration: number): number {
  return (concentration * concentration) / (1 + concentration * concentration);
}

/** The concentration κ whose expected pairwise cosine is c (inverse of pairwiseCosineOf). */
export function concentrationForPairwiseCosine(cosine: number): number {
  return Math.sqrt(cosine / (1 - cosine));
}

/**
 * Expected `mean-cosine` score between two windows of n_ref and n_cur records drawn from one
 * distribution with pairwise cosine c (large d, small score): the noise floor
 *
 *   E[score] ≈ (1 − c)/(2c) · (1/n_ref + 1/n_cur)
 *
 * — each window mean misses the population mean by a vector of squared norm ≈ (1 − c)/n, almost all
 * of it orthogonal to the mean, and 1 − cos θ ≈ θ²/2 for the angle θ between the two means.
 */
export function stationaryMeanCosine(pairwiseCosine: number, referenceCount: number, currentCount: number): number {
  return ((1 - pairwiseCosine) / (2 * pairwiseCosine)) * (1 / referenceCount + 1 / currentCount);
}

function normalise(v: Float64Array): Float64Array {
  let norm2 = 0;
  for (let i = 0; i < v.length; i++) norm2 += v[i]! * v[i]!;
  const scale = 1 / Math.sqrt(norm2);
  for (let i = 0; i < v.length; i++) v[i]! *= scale;
  return v;
}
