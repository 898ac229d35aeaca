import { IncompatibleWindowsError, ScoreUndefinedError } from './errors.js';
import { medianInPlace } from './median.js';
import type { WindowStatistics } from './window-statistics.js';

/** How a reference window and a current window are compared (see README.md for the formulas). */
export const DRIFT_SCORE_METHODS = ['mean-cosine', 'mmd'] as const;
export type DriftScoreMethod = (typeof DRIFT_SCORE_METHODS)[number];
export const DEFAULT_SCORE_METHOD: DriftScoreMethod = 'mean-cosine';

/**
 * Cosine distance between two vectors, 1 − a·b / (‖a‖‖b‖), in [0, 2]; rounding is clamped so that
 * parallel vectors give exactly 0, never a tiny negative number. A zero vector has no direction: that
 * is a ScoreUndefinedError('zero-mean').
 */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new IncompatibleWindowsError(`cannot compare vectors of dimension ${a.length} and ${b.length}`);
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) throw new ScoreUndefinedError('zero-mean', 'a window mean is the zero vector: its direction, and so the cosine, is undefined');
  const cosine = dot / Math.sqrt(aa * bb);
  return 1 - Math.min(1, Math.max(-1, cosine));
}

/**
 * `mean-cosine`: 1 − cos(μ_ref, μ_cur) with μ = Σx / n. A cosine ignores positive scale, so it is
 * computed on the sums directly (no allocation). 0 when the means point the same way, 1 when they are
 * orthogonal. Needs at least one vector on each side.
 */
export function meanCosineScore(reference: WindowStatistics, current: WindowStatistics): number {
  requireComparable(reference, current);
  if (reference.count === 0 || current.count === 0) {
    throw new ScoreUndefinedError('empty-window', `mean-cosine needs vectors on both sides, got ${reference.count} reference and ${current.count} current`);
  }
  return cosineDistance(reference.sum, current.sum);
}

/** MMD² of two samples and the squared bandwidth σ² the median heuristic chose. */
export interface MmdEstimate {
  mmd2: number;
  bandwidth2: number;
}

/**
 * `mmd`: the unbiased estimate of the squared maximum mean discrepancy between the two reservoirs
 * x₁…x_m (reference) and y₁…y_n (current) with the Gaussian (RBF) kernel k(a, b) = exp(−‖a − b‖² / (2σ²)):
 *
 *   MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(x_i, x_j) + 1/(n(n−1)) Σ_{i≠j} k(y_i, y_j) − 2/(mn) Σ_{i,j} k(x_i, y_j)
 *
 * (Gretton et al. 2012, eq. 3). Unbiased rather than biased: its expectation is the population MMD²
 * whatever m and n, so a threshold does not move with the reservoir size; the price is that it can be
 * slightly negative when nothing changed. σ² is the median of ‖z_i − z_j‖² over all pairs i < j of the
 * pooled sample z = x ∪ y (the median heuristic); if that median is 0 (most pairs are duplicates) the
 * mean of the non-zero squared distances is used, and if every distance is 0 the score is 0.
 *
 * The scorer keeps its scratch buffers (the pooled sample as doubles, and two arrays of (m+n)(m+n−1)/2
 * doubles: 1 MiB each for two reservoirs of 256) and reuses them; one scorer per operator instance is enough. Cost: (m+n)²/2 distances of d
 * multiply-adds, about 33 M for m = n = 256, d = 256.
 */
export class MmdScorer {
  private pooled = new Float64Array(0);
  private distances = new Float64Array(0);
  private work = new Float64Array(0);

  score(reference: WindowStatistics, current: WindowStatistics): number {
    requireComparable(reference, current);
    return this.estimate(reference.reservoir, reference.sampleCount, current.reservoir, current.sampleCount, reference.dimension).mmd2;
  }

  /** MMD²_u of x (m rows) and y (n rows), both row-major with d columns. */
  estimate(x: Float32Array, m: number, y: Float32Array, n: number, d: number): MmdEstimate {
    if (m < 2 || n < 2) {
      throw new ScoreUndefinedError('too-few-samples', `mmd needs at least 2 reservoir samples on each side, got ${m} reference and ${n} current (is the reservoir size 0?)`);
    }
    const pooled = m + n;
    const pairs = (pooled * (pooled - 1)) / 2;
    if (this.distances.length < pairs) {
      this.distances = new Float64Array(pairs);
      this.work = new Float64Array(pairs);
    }
    if (this.pooled.length < pooled * d) this.pooled = new Float64Array(pooled * d);
    const z = this.pooled;
    // Row i of the pooled sample is x_i for i < m, y_{i−m} after; one Float64Array keeps the loop monomorphic.
    z.set(x.subarray(0, m * d));
    z.set(y.subarray(0, n * d), m * d);
    const distances = this.distances;
    const unrolled = d - (d % 4);
    let p = 0;
    for (let i = 0; i < pooled; i++) {
      const a = i * d;
      for (let j = i + 1; j < pooled; j++) {
        const b = j * d;
        // Four partial sums: independent chains the CPU can overlap (about twice as fast as one).
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let k = 0;
        for (; k < unrolled; k += 4) {
          const t0 = z[a + k]! - z[b + k]!;
          const t1 = z[a + k + 1]! - z[b + k + 1]!;
          const t2 = z[a + k + 2]! - z[b + k + 2]!;
          const t3 = z[a + k + 3]! - z[b + k + 3]!;
          s0 += t0 * t0;
          s1 += t1 * t1;
          s2 += t2 * t2;
          s3 += t3 * t3;
        }
        for (; k < d; k++) {
          const t = z[a + k]! - z[b + k]!;
          s0 += t * t;
        }
        distances[p++] = s0 + s1 + s2 + s3;
      }
    }
    const bandwidth2 = this.bandwidth2(pairs);
    if (bandwidth2 === 0) return { mmd2: 0, bandwidth2 };
    const gamma = -1 / (2 * bandwidth2);
    let kxx = 0;
    let kyy = 0;
    let kxy = 0;
    p = 0;
    for (let i = 0; i < pooled; i++) {
      for (let j = i + 1; j < pooled; j++) {
        const k = Math.exp(gamma * distances[p++]!);
        if (j < m) kxx += k;
        else if (i >= m) kyy += k;
        else kxy += k;
      }
    }
    // Each unordered within-sample pair stands for (i, j) and (j, i): hence 2 Σ_{i<j}.
    const mmd2 = (2 * kxx) / (m * (m - 1)) + (2 * kyy) / (n * (n - 1)) - (2 * kxy) / (m * n);
    return { mmd2, bandwidth2 };
  }

  private bandwidth2(pairs: number): number {
    const work = this.work;
    work.set(this.distances.subarray(0, pairs));
    const median = medianInPlace(work, pairs);
    if (median > 0) return median;
    let sum = 0;
    let nonZero = 0;
    for (let i = 0; i < pairs; i++) {
      if (work[i]! > 0) {
        sum += work[i]!;
        nonZero++;
      }
    }
    return nonZero === 0 ? 0 : sum / nonZero;
  }
}

/** Scores windows by either method; holds the MMD scratch so that scoring allocates nothing after the first call. */
export class DriftScorer {
  private readonly mmd = new MmdScorer();

  score(method: DriftScoreMethod, reference: WindowStatistics, current: WindowStatistics): number {
    switch (method) {
      case 'mean-cosine':
        return meanCosineScore(reference, current);
      case 'mmd':
        return this.mmd.score(reference, current);
    }
  }
}

function requireComparable(reference: WindowStatistics, current: WindowStatistics): void {
  if (reference.dimension !== current.dimension) {
    throw new IncompatibleWindowsError(`cannot compare a reference window of dimension ${reference.dimension} with a current window of dimension ${current.dimension}`);
  }
}
