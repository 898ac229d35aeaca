import { cosineSimilarity } from './cosine-similarity.js';

export interface ClusteringOptions {
  /** Stop merging when the most similar pair of clusters is below this average cosine similarity. */
  threshold?: number;
  /** Or merge down to exactly this many clusters (takes precedence over threshold). */
  clusters?: number;
}

/**
 * Average-linkage agglomerative clustering of embeddings by cosine similarity.
 * Returns a cluster index per embedding, clusters numbered by first appearance. O(n³) worst case,
 * fine for the few hundred windows of a recording.
 */
export function clusterEmbeddings(embeddings: readonly Float32Array[], options: ClusteringOptions): number[] {
  const n = embeddings.length;
  if (options.clusters === undefined && options.threshold === undefined) throw new RangeError('give a threshold or a cluster count');
  const target = Math.max(1, options.clusters ?? 1);
  const threshold = options.clusters === undefined ? options.threshold! : -Infinity;

  const similarity = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : cosineSimilarity(embeddings[i]!, embeddings[j]!))));
  const size = new Array<number>(n).fill(1);
  const members = Array.from({ length: n }, (_, i) => [i]);
  const alive = new Set(Array.from({ length: n }, (_, i) => i));
  while (alive.size > target) {
    let best = -Infinity;
    let a = -1;
    let b = -1;
    for (const i of alive) {
      for (const j of alive) {
        if (j > i && similarity[i]![j]! > best) {
          best = similarity[i]![j]!;
          a = i;
          b = j;
        }
      }
    }
    if (best < threshold) break;
    // Lance–Williams update for average linkage.
    for (const k of alive) {
      if (k === a || k === b) continue;
      const merged = (size[a]! * similarity[a]![k]! + size[b]! * similarity[b]![k]!) / (size[a]! + size[b]!);
      similarity[a]![k] = merged;
      similarity[k]![a] = merged;
    }
    size[a] = size[a]! + size[b]!;
    members[a]!.push(...members[b]!);
    alive.delete(b);
  }

  const labels = new Array<number>(n).fill(-1);
  const order = [...alive].sort((x, y) => Math.min(...members[x]!) - Math.min(...members[y]!));
  order.forEach((cluster, label) => {
    for (const i of members[cluster]!) labels[i] = label;
  });
  return labels;
}
