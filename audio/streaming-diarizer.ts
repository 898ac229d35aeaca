import { DEFAULT_ONLINE_CLUSTERING, OnlineClustering, type Assignment, type OnlineClusteringParams } from './online-clustering.js';
import { decodeDiarizerState, encodeDiarizerState, type Cell, type DiarizerState, type SpeechPiece, type StateLayout } from './streaming-diarizer-state.js';

export type { SpeechPiece } from './streaming-diarizer-state.js';

/**
 * Embeds 16 kHz mono PCM into a speaker embedding (any fixed length, e.g. 256 for
 * `SpeakerEmbedder.embed`). Must be deterministic for a restored stream to continue exactly, and
 * return a fresh array each call: the windows of a chunk are embedded concurrently.
 */
export type EmbedFunction = (pcm: Int16Array) => Promise<Float32Array>;

/** What a stream delivers at a time: its speech up to `end`. */
export interface DiarizerChunk {
  /**
   * Absolute sample the stream has reached: every speech sample before it is given by now (for a
   * VAD, the sample up to which it has decided speech or not).
   */
  end: number;
  /** Speech pieces (a VAD's output), in order, not overlapping, at or after the previous `end`, within `end`. */
  speech: readonly SpeechPiece[];
}

/**
 * A diarized segment: speech of one step cell (a run of speech inside [k·step, (k+1)·step)).
 * Its span never changes. A correction is a later record with the same `segmentId` and a higher
 * `revision`, sent only when the speaker changes; it replaces the earlier record whole. A client
 * keeps, per (stream, segmentId), the record with the highest revision — an upsert, so replaying
 * records is harmless.
 */
export interface SegmentRecord {
  /** The segment's first sample in the stream: unique and stable within a stream. */
  segmentId: number;
  /** 0 for the first emission, +1 per correction. */
  revision: number;
  /** Seconds from the stream's sample 0. */
  start: number;
  end: number;
  /** Speaker index within the stream, from 0 in order of appearance. */
  speaker: number;
  /**
   * In [0, 1]: the sum of the clustering confidences (`Assignment.confidence`) of the windows that
   * voted for this speaker, divided by the number of windows that voted in the cell — low when the
   * decisions were close or the windows disagree; 0 for speech labelled by the fallback.
   */
  confidence: number;
}

export interface DiarizerOutput {
  /** New segments (revision 0) and corrections (revision > 0), in stream order. */
  segments: SegmentRecord[];
  /** Seconds: segments ending at or before this time will not be corrected any more. */
  finalBefore: number;
}

export interface StreamingDiarizerParams {
  sampleRate: number;
  /** Window hop and labelling cell, seconds (a whole number of samples). */
  step: number;
  /** Window length in steps. */
  windowSteps: number;
  clustering: OnlineClusteringParams;
}

/** 1.5 s windows every 0.5 s; see DEFAULT_ONLINE_CLUSTERING for how the clustering was tuned. */
export const DEFAULT_STREAMING_DIARIZER: StreamingDiarizerParams = {
  sampleRate: 16_000,
  step: 0.5,
  windowSteps: 3,
  clustering: DEFAULT_ONLINE_CLUSTERING,
};

/** Cells of speech that may wait for a stream's first speaker (8 s at the default step). */
const MAX_WAITING_CELLS = 16;

interface DueWindow {
  index: number;
  pcm: Int16Array;
  speech: number;
}

/**
 * Online speaker diarization of one stream, chunk by chunk.
 *
 * Windows of `windowSteps`·`step` seconds end every `step` seconds on the stream's timeline; the
 * speech inside a window (silence left out) is embedded when it reaches `tauActive` seconds, and
 * online clustering gives the window a speaker (possibly a step or more later, while a new speaker
 * is being confirmed). The timeline is cut into step-long cells; every window votes for its
 * speaker in the cells it covers, and a cell takes the speaker with most votes. A cell's speech is
 * emitted as soon as the cell is complete and has a vote — usually from the window that ends with
 * it — and corrected when the later windows covering it outvote that label; once every covering
 * window has been decided it is final. Speech no window could label (too little speech around
 * it) takes the speaker of the latest decided window when it becomes final, with confidence 0;
 * before the stream's first speaker it waits for that speaker (up to 16 cells).
 *
 * Only the audio the next window needs is kept (less than windowSteps·step seconds), so the
 * state is bounded; it serialises to a versioned Buffer and `restore` continues exactly.
 * `process` changes nothing when the embedding function fails, so a failed batch can be retried.
 *
 * @example
 * const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });   // one per worker
 * const diarizer = StreamingDiarizer.create((pcm) => embedder.embed(pcm));
 * const { segments } = await diarizer.process({ end: 16_000, speech: [{ start: 3_200, pcm }] });
 * const state = diarizer.serialize();   // later: StreamingDiarizer.restore(state, embed)
 */
export class StreamingDiarizer {
  private busy = false;
  private readonly layout: StateLayout;
  private readonly windowSamples: number;

  private constructor(
    private readonly embed: EmbedFunction,
    readonly params: StreamingDiarizerParams,
    private state: DiarizerState,
  ) {
    this.layout = layoutOf(params);
    this.windowSamples = this.layout.windowSteps * this.layout.stepSamples;
  }

  static create(embed: EmbedFunction, params: StreamingDiarizerParams = DEFAULT_STREAMING_DIARIZER): StreamingDiarizer {
    const clustering = new OnlineClustering(params.clustering);
    return new StreamingDiarizer(embed, params, { frontier: 0, nextWindow: 1, nextCell: 0, lastSpeaker: -1, finished: false, clustering, tail: [], cells: [] });
  }

  /** Continues a stream from `serialize()`'s output; the params must be those it was written with. */
  static restore(state: Uint8Array, embed: EmbedFunction, params: StreamingDiarizerParams = DEFAULT_STREAMING_DIARIZER): StreamingDiarizer {
    return new StreamingDiarizer(embed, params, decodeDiarizerState(state, layoutOf(params), params.clustering));
  }

  serialize(): Buffer {
    return encodeDiarizerState(this.state, this.layout);
  }

  /** Takes the stream's speech up to `chunk.end`; returns new segments and corrections. */
  async process(chunk: DiarizerChunk): Promise<DiarizerOutput> {
    this.checkChunk(chunk);
    // Copies: the caller may reuse its buffers once the call returns.
    const speech = chunk.speech.filter((p) => p.pcm.length > 0).map((p) => ({ start: p.start, pcm: p.pcm.slice() }));
    return this.run(chunk.end, [...this.state.tail, ...speech], false);
  }

  /** Ends the stream: labels the rest of the audio with the windows that reach past it; everything is final afterwards. */
  async finish(): Promise<DiarizerOutput> {
    if (this.state.finished) throw new Error('streaming diarizer: the stream has already finished');
    return this.run(this.state.frontier, this.state.tail, true);
  }

  private async run(frontier: number, audio: SpeechPiece[], final: boolean): Promise<DiarizerOutput> {
    if (this.busy) throw new Error('streaming diarizer: process() or finish() called while the previous call is still running');
    this.busy = true;
    try {
      const windows = this.dueWindows(audio, frontier, final);
      const { tauActive } = this.params.clustering;
      const embeddings = await Promise.all(windows.map((w) => (w.speech >= tauActive ? this.embed(w.pcm) : undefined)));
      // Nothing above changed the state: from here on everything is synchronous.
      this.state.frontier = frontier;
      this.state.tail = audio;
      this.buildCells(final);
      const { clustering } = this.state;
      windows.forEach((w, i) => {
        const embedding = embeddings[i];
        if (embedding) this.vote(clustering.assign(w.index, embedding, w.speech));
      });
      if (windows.length > 0) this.state.nextWindow = windows[windows.length - 1]!.index + 1;
      if (final) {
        this.vote(clustering.flush());
        this.state.finished = true;
      }
      return this.emit(final);
    } finally {
      this.busy = false;
    }
  }

  /** Windows ending at or before the frontier (on finish: every window that reaches into the audio). */
  private dueWindows(audio: readonly SpeechPiece[], frontier: number, final: boolean): DueWindow[] {
    const { stepSamples, sampleRate } = this.layout;
    const windows: DueWindow[] = [];
    for (let j = this.state.nextWindow; ; j++) {
      const end = j * stepSamples;
      const start = end - this.windowSamples;
      if (final ? start >= frontier : end > frontier) break;
      const pcm = speechIn(audio, start, end);
      windows.push({ index: j, pcm, speech: pcm.length / sampleRate });
    }
    return windows;
  }

  /** Cells completed by the new frontier (on finish: the last, partial one too) that hold speech. */
  private buildCells(final: boolean): void {
    const { stepSamples } = this.layout;
    const s = this.state;
    for (; final ? s.nextCell * stepSamples < s.frontier : (s.nextCell + 1) * stepSamples <= s.frontier; s.nextCell++) {
      const runs = speechRuns(s.tail, s.nextCell * stepSamples, (s.nextCell + 1) * stepSamples);
      if (runs.length > 0) s.cells.push({ index: s.nextCell, runs, votes: [], speaker: -1, revision: -1 });
    }
  }

  /** Each window decided now votes for its speaker in the cells it covers. */
  private vote(decided: readonly Assignment[]): void {
    const { windowSteps } = this.layout;
    for (const assignment of decided) {
      this.state.lastSpeaker = assignment.speaker;
      const first = assignment.key - windowSteps;
      for (const cell of this.state.cells) {
        if (cell.index >= first && cell.index < assignment.key) cell.votes.push({ speaker: assignment.speaker, confidence: assignment.confidence });
      }
    }
  }

  /** Emits cells whose label is new or changed, then drops the cells no window will vote on any more. */
  private emit(final: boolean): DiarizerOutput {
    const { stepSamples, windowSteps, sampleRate } = this.layout;
    const s = this.state;
    // Cell k has all its votes once window k + windowSteps is decided.
    const finalCells = final ? Infinity : Math.min(s.nextWindow, s.clustering.oldestPending ?? Infinity) - windowSteps;
    const segments: SegmentRecord[] = [];
    for (const cell of s.cells) {
      let label = decide(cell);
      if (!label && cell.index < finalCells && s.lastSpeaker >= 0) label = { speaker: s.lastSpeaker, confidence: 0 };
      if (!label || label.speaker === cell.speaker) continue;
      cell.speaker = label.speaker;
      cell.revision++;
      for (let r = 0; r < cell.runs.length; r += 2) {
        const start = cell.runs[r]!;
        segments.push({ segmentId: start, revision: cell.revision, start: start / sampleRate, end: cell.runs[r + 1]! / sampleRate, speaker: label.speaker, confidence: label.confidence });
      }
    }
    // Done cells leave; unlabelled ones can only be left before the stream's first speaker: they
    // wait for it, the oldest given up beyond MAX_WAITING_CELLS.
    s.cells = s.cells.filter((cell) => cell.index >= finalCells || (cell.speaker < 0 && !final));
    const waiting = s.cells.filter((cell) => cell.index < finalCells).length;
    if (waiting > MAX_WAITING_CELLS) s.cells.splice(0, waiting - MAX_WAITING_CELLS);
    const keepFrom = (s.nextWindow - windowSteps) * stepSamples;
    s.tail = s.tail.flatMap((p) => {
      if (p.start + p.pcm.length <= keepFrom) return [];
      if (p.start >= keepFrom) return [p];
      return [{ start: keepFrom, pcm: p.pcm.slice(keepFrom - p.start) }];
    });
    const firstOpen = s.cells.length > 0 ? s.cells[0]!.runs[0]! : Infinity;
    const finalBefore = final ? s.frontier : Math.max(0, Math.min(s.frontier, finalCells * stepSamples, firstOpen));
    return { segments, finalBefore: finalBefore / sampleRate };
  }

  private checkChunk(chunk: DiarizerChunk): void {
    const s = this.state;
    const fail = (why: string): never => {
      throw new RangeError(`streaming diarizer chunk ending at sample ${chunk.end}: ${why}`);
    };
    if (s.finished) fail('the stream has already finished');
    if (!Number.isInteger(chunk.end) || chunk.end < s.frontier) fail(`end must be an integer ≥ the previous end ${s.frontier}`);
    let cursor = s.frontier;
    for (const piece of chunk.speech) {
      if (!Number.isInteger(piece.start) || piece.start < cursor) fail(`speech piece at ${piece.start} starts before ${cursor} (out of order, overlapping or before the previous end)`);
      cursor = piece.start + piece.pcm.length;
      if (cursor > chunk.end) fail(`speech piece at ${piece.start} runs past the end`);
    }
  }
}

function layoutOf(params: StreamingDiarizerParams): StateLayout {
  const stepSamples = params.step * params.sampleRate;
  if (!Number.isInteger(params.sampleRate) || params.sampleRate <= 0) throw new RangeError(`sampleRate must be a positive integer, got ${params.sampleRate}`);
  if (!Number.isInteger(stepSamples) || stepSamples <= 0) throw new RangeError(`step ${params.step} s must be a positive whole number of samples`);
  if (!Number.isInteger(params.windowSteps) || params.windowSteps < 1 || params.windowSteps > 0xffff) throw new RangeError(`windowSteps must be a positive integer, got ${params.windowSteps}`);
  return { sampleRate: params.sampleRate, stepSamples, windowSteps: params.windowSteps };
}

/** The speaker most windows voted for (ties: the one already emitted, then the lowest), with the mean confidence of its votes over all votes. */
function decide(cell: Cell): { speaker: number; confidence: number } | undefined {
  if (cell.votes.length === 0) return undefined;
  const votes = new Map<number, number>();
  for (const v of cell.votes) votes.set(v.speaker, (votes.get(v.speaker) ?? 0) + 1);
  const preferred = (a: number, b: number): boolean => a === cell.speaker || (b !== cell.speaker && a < b);
  let best = -1;
  let bestVotes = 0;
  for (const [speaker, n] of votes) {
    if (n > bestVotes || (n === bestVotes && preferred(speaker, best))) {
      best = speaker;
      bestVotes = n;
    }
  }
  let support = 0;
  for (const v of cell.votes) if (v.speaker === best) support += v.confidence;
  return { speaker: best, confidence: support / cell.votes.length };
}

/** The speech samples inside [from, to), concatenated. */
function speechIn(audio: readonly SpeechPiece[], from: number, to: number): Int16Array {
  const parts: Int16Array[] = [];
  let length = 0;
  for (const p of audio) {
    const a = Math.max(from, p.start);
    const b = Math.min(to, p.start + p.pcm.length);
    if (b <= a) continue;
    parts.push(p.pcm.subarray(a - p.start, b - p.start));
    length += b - a;
  }
  const out = new Int16Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Maximal runs of speech inside [from, to) as flat [start, end, …]; touching pieces join. */
function speechRuns(audio: readonly SpeechPiece[], from: number, to: number): number[] {
  const runs: number[] = [];
  for (const p of audio) {
    const a = Math.max(from, p.start);
    const b = Math.min(to, p.start + p.pcm.length);
    if (b <= a) continue;
    if (runs.length > 0 && runs[runs.length - 1] === a) runs[runs.length - 1] = b;
    else runs.push(a, b);
  }
  return runs;
}
