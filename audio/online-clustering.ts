import { ByteReader, ByteWriter } from './byte-codec.js';

/**
 * Online speaker clustering of one stream, after diart (Coria et al. 2021, "Overlap-aware
 * low-latency online speaker diarization based on end-to-end local segmentation"): a window's
 * embedding joins the closest centroid, or opens a new speaker when it is too far from all of
 * them; only windows with enough speech (`rhoUpdate`) move a centroid.
 *
 * diart assigns the several local speakers of a chunk jointly (a constrained, Hungarian
 * assignment, so two local speakers never share a centroid). Here a window yields one embedding,
 * so the joint assignment reduces to the closest centroid under the threshold.
 *
 * Two changes to diart, both measured on the generated dev corpora:
 * - The distance threshold depends on how many windows a centroid holds: a centroid of one window
 *   is a noisy estimate and takes embeddings up to `deltaNewSingle` away, a centroid of n windows
 *   up to deltaNew + (deltaNewSingle − deltaNew) / n. "Closest" is measured the same way: the
 *   largest margin of similarity over the centroid's own threshold. With deltaNewSingle = deltaNew
 *   this is diart's rule.
 * - A new speaker opens only after `newSpeakerWindows` consecutive active windows are all far
 *   from every centroid and close to each other. A window that straddles a change of speaker (or
 *   overlapped speech) sits between two voices and would otherwise open a spurious speaker. Such
 *   windows stay pending — their decision comes later, under their key — and go to the closest
 *   speaker, without moving it, if the run breaks.
 *
 * A centroid is the sum of the unit embeddings assigned to it (diart keeps sums too): its
 * direction is their renormalised mean, and cosine similarity ignores the length. The whole state
 * (sums, counts, next id, pending windows) round-trips through `serialize()` /
 * `OnlineClustering.restore()` bit for bit.
 *
 * @example
 * const clustering = new OnlineClustering(DEFAULT_ONLINE_CLUSTERING);
 * const decided = clustering.assign(7, embedding, 1.4);  // [{ key: 7, speaker: 0, isNew: true, … }], or [] while pending
 * const state = clustering.serialize();                   // Buffer; OnlineClustering.restore(state, params)
 */

export interface OnlineClusteringParams {
  /** Seconds of speech a window needs to be assigned at all (diart's tau_active, as speech duration). */
  tauActive: number;
  /** Seconds of speech a window needs to move its centroid (diart's rho_update, as speech duration). */
  rhoUpdate: number;
  /** Cosine distance (1 − similarity) beyond which an embedding is new to a centroid of many windows (diart's delta_new). */
  deltaNew: number;
  /** The same threshold for a centroid of a single window (≥ deltaNew). */
  deltaNewSingle: number;
  /** Consecutive far windows that open a new speaker (1 = diart: the first far window does). */
  newSpeakerWindows: number;
  /** Speakers per stream at most; past it an embedding joins the closest centroid however far. */
  maxSpeakers: number;
  /** Similarity margin that maps to confidence 1 (see `Assignment.confidence`). */
  confidenceMargin: number;
}

/**
 * Chosen on generated dev corpora (seeds 1 and 2) with scripts/corpus/streaming-sweep.ts for
 * 1.5 s windows: the middle of a plateau where corpus DER moved by less than 0.3 points over
 * deltaNewSingle 0.2–0.3; confirming new speakers over two windows halved the DER, and windows
 * with less than 1.25 s of speech made it worse. On that data every assigned window may update.
 */
export const DEFAULT_ONLINE_CLUSTERING: OnlineClusteringParams = {
  tauActive: 1.25,
  rhoUpdate: 1.25,
  deltaNew: 0.175,
  deltaNewSingle: 0.25,
  newSpeakerWindows: 2,
  maxSpeakers: 8,
  confidenceMargin: 0.2,
};

export interface Assignment {
  /** The key the window was given to `assign` with. */
  key: number;
  speaker: number;
  /** Whether this window opened the speaker (the first of the run that confirmed it). */
  isNew: boolean;
  /**
   * margin / confidenceMargin clamped to [0, 1]. The margin of a centroid is the window's
   * similarity to it minus the centroid's threshold. Joining a speaker: its margin minus the best
   * alternative — the second centroid's margin, or 0 (a new speaker) while new speakers may still
   * be opened; a pending window given to the closest speaker after all scores 0. Opening a
   * speaker: how far below its threshold the closest other centroid is. The first speaker: 1.
   */
  confidence: number;
}

interface Centroid {
  id: number;
  /** Windows summed. */
  count: number;
  sum: Float32Array;
}

interface Pending {
  key: number;
  /** Unit length. */
  embedding: Float32Array;
}

interface Ranking {
  best: Centroid | undefined;
  /** Similarity minus threshold, of the best and the second centroid (−Infinity when absent). */
  bestMargin: number;
  secondMargin: number;
}

const MAGIC = 0x434f; // 'OC'
const VERSION = 1;

export class OnlineClustering {
  private centroids: Centroid[] = [];
  private pending: Pending[] = [];
  private nextId = 0;
  private dimension = 0;

  constructor(readonly params: OnlineClusteringParams) {
    validateParams(params);
  }

  /** The smallest key still waiting for a decision, or undefined. */
  get oldestPending(): number | undefined {
    return this.pending[0]?.key;
  }

  /** Each speaker with the number of windows its centroid holds. */
  speakers(): { speaker: number; windows: number }[] {
    return this.centroids.map((c) => ({ speaker: c.id, windows: c.count }));
  }

  /**
   * Takes the embedding (any length > 0, the same in every call) of the window `key` (an integer
   * in [0, 2³²)), which holds `speech` seconds of speech, and returns the decisions made now, in
   * key order: none when the window is below `tauActive` or waits to confirm a new speaker;
   * earlier pending windows with it once their run is settled.
   */
  assign(key: number, embedding: Float32Array, speech: number): Assignment[] {
    if (speech < this.params.tauActive) return [];
    if (!Number.isInteger(key) || key < 0 || key > 0xffffffff) throw new RangeError(`window key ${key} is not an integer in [0, 2^32)`);
    const unit = this.unit(embedding);
    const ranking = this.rank(unit);
    const canOpen = this.centroids.length < this.params.maxSpeakers;
    if (ranking.best && (ranking.bestMargin >= 0 || !canOpen)) {
      const decided = this.settlePending();
      decided.push(this.join(key, unit, speech >= this.params.rhoUpdate));
      return decided;
    }
    const runBroken = this.pending.length > 0 && dot(this.pending[0]!.embedding, unit) < 1 - this.params.deltaNewSingle;
    const decided = runBroken ? this.settlePending() : [];
    this.pending.push({ key, embedding: unit });
    if (this.pending.length >= this.params.newSpeakerWindows || !ranking.best) decided.push(...this.open());
    return decided;
  }

  /** Settles the pending windows (end of stream): each goes to the closest speaker. */
  flush(): Assignment[] {
    return this.settlePending();
  }

  /**
   * The state as a versioned little-endian buffer: magic u16, version u8, dimension u16, next id
   * u32, centroids (u16 count; id u32, count u32, sum f32 × dimension), pending windows (u16
   * count; key u32, embedding f32 × dimension).
   */
  serialize(): Buffer {
    const w = new ByteWriter().u16(MAGIC).u8(VERSION).u16(this.dimension).u32(this.nextId);
    w.u16(this.centroids.length);
    for (const c of this.centroids) w.u32(c.id).u32(c.count).bytes(c.sum);
    w.u16(this.pending.length);
    for (const p of this.pending) w.u32(p.key).bytes(p.embedding);
    return w.finish();
  }

  /** Rebuilds a clustering from `serialize()`'s output; throws on a foreign, other-version or truncated buffer. */
  static restore(state: Uint8Array, params: OnlineClusteringParams): OnlineClustering {
    const r = new ByteReader(state, 'online clustering state');
    if (r.u16() !== MAGIC) r.fail('not an online clustering state');
    const version = r.u8();
    if (version !== VERSION) r.fail(`version ${version}, this code reads version ${VERSION}`);
    const clustering = new OnlineClustering(params);
    const dimension = (clustering.dimension = r.u16());
    clustering.nextId = r.u32();
    const centroids = r.u16();
    for (let n = 0; n < centroids; n++) clustering.centroids.push({ id: r.u32(), count: r.u32(), sum: r.float32s(dimension) });
    const pending = r.u16();
    for (let n = 0; n < pending; n++) clustering.pending.push({ key: r.u32(), embedding: r.float32s(dimension) });
    r.end();
    return clustering;
  }

  /** Opens a speaker from the pending run: its centroid is their sum. */
  private open(): Assignment[] {
    const { best, bestMargin } = this.rank(this.pending[0]!.embedding);
    const confidence = best ? this.scale(-bestMargin) : 1;
    const sum = new Float32Array(this.dimension);
    for (const p of this.pending) for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + p.embedding[i]!;
    const id = this.nextId++;
    this.centroids.push({ id, count: this.pending.length, sum });
    const decided = this.pending.map((p, i) => ({ key: p.key, speaker: id, isNew: i === 0, confidence }));
    this.pending = [];
    return decided;
  }

  /** Gives every pending window to the closest speaker, without moving any centroid. */
  private settlePending(): Assignment[] {
    const decided = this.pending.map((p) => this.join(p.key, p.embedding, false));
    this.pending = [];
    return decided;
  }

  private join(key: number, unit: Float32Array, update: boolean): Assignment {
    const { best, bestMargin, secondMargin } = this.rank(unit);
    const centroid = best!;
    const alternative = this.centroids.length < this.params.maxSpeakers ? Math.max(secondMargin, 0) : secondMargin;
    if (update) {
      for (let i = 0; i < centroid.sum.length; i++) centroid.sum[i] = centroid.sum[i]! + unit[i]!;
      centroid.count += 1;
    }
    return { key, speaker: centroid.id, isNew: false, confidence: alternative === -Infinity ? 1 : this.scale(bestMargin - alternative) };
  }

  /** Centroids by margin of similarity over their own threshold. */
  private rank(unit: Float32Array): Ranking {
    const { deltaNew, deltaNewSingle } = this.params;
    const ranking: Ranking = { best: undefined, bestMargin: -Infinity, secondMargin: -Infinity };
    for (const c of this.centroids) {
      const threshold = 1 - deltaNew - (deltaNewSingle - deltaNew) / c.count;
      const margin = dot(c.sum, unit) / Math.sqrt(dot(c.sum, c.sum)) - threshold;
      if (margin > ranking.bestMargin) {
        ranking.secondMargin = ranking.bestMargin;
        ranking.bestMargin = margin;
        ranking.best = c;
      } else if (margin > ranking.secondMargin) ranking.secondMargin = margin;
    }
    return ranking;
  }

  private scale(margin: number): number {
    return Math.min(1, Math.max(0, margin / this.params.confidenceMargin));
  }

  /** `embedding` scaled to unit length, after checking it against the stream's dimension. */
  private unit(embedding: Float32Array): Float32Array {
    if (this.dimension === 0) {
      if (embedding.length === 0 || embedding.length > 0xffff) throw new RangeError(`embedding length ${embedding.length} out of range (1..65535)`);
      this.dimension = embedding.length;
    } else if (embedding.length !== this.dimension) {
      throw new RangeError(`embedding length ${embedding.length}, expected ${this.dimension} as before`);
    }
    const norm = Math.sqrt(dot(embedding, embedding));
    if (!(norm > 0) || !Number.isFinite(norm)) throw new RangeError('cannot assign an all-zero or non-finite embedding');
    return Float32Array.from(embedding, (x) => x / norm);
  }
}

function validateParams(p: OnlineClusteringParams): void {
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`online clustering: ${what}`);
  };
  check(p.tauActive >= 0, `tauActive must be ≥ 0, got ${p.tauActive}`);
  check(p.rhoUpdate >= p.tauActive, `rhoUpdate (${p.rhoUpdate}) must be ≥ tauActive (${p.tauActive})`);
  check(p.deltaNew >= 0 && p.deltaNew <= 2, `deltaNew must be in [0, 2], got ${p.deltaNew}`);
  check(p.deltaNewSingle >= p.deltaNew && p.deltaNewSingle <= 2, `deltaNewSingle must be in [deltaNew, 2], got ${p.deltaNewSingle}`);
  check(Number.isInteger(p.newSpeakerWindows) && p.newSpeakerWindows >= 1 && p.newSpeakerWindows <= 16, `newSpeakerWindows must be an integer in [1, 16], got ${p.newSpeakerWindows}`);
  check(Number.isInteger(p.maxSpeakers) && p.maxSpeakers >= 1 && p.maxSpeakers <= 0xffff, `maxSpeakers must be an integer in [1, 65535], got ${p.maxSpeakers}`);
  check(p.confidenceMargin > 0, `confidenceMargin must be > 0, got ${p.confidenceMargin}`);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
