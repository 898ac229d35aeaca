import { ByteReader, ByteWriter } from './byte-codec.js';
import { OnlineClustering, type OnlineClusteringParams } from './online-clustering.js';

/** Speech audio of a stream: `pcm` starts at absolute sample `start`. */
export interface SpeechPiece {
  start: number;
  pcm: Int16Array;
}

/** One window's say on the speaker of a cell it covers. */
export interface Vote {
  speaker: number;
  confidence: number;
}

/** A step-long cell of the timeline that holds speech: its segments share one label. */
export interface Cell {
  index: number;
  /** Speech runs inside the cell, absolute samples, flat [start, end, start, end, …]. */
  runs: number[];
  votes: Vote[];
  /** The speaker last emitted for the cell's segments, −1 before the first emission. */
  speaker: number;
  /** Revision of that emission, −1 before the first. */
  revision: number;
}

/** Everything a stream's diarizer carries from one chunk to the next. */
export interface DiarizerState {
  /** Samples of the stream seen so far: all speech before it has been given. */
  frontier: number;
  /** Index of the next window to embed; window j covers [(j − windowSteps)·step, j·step). */
  nextWindow: number;
  /** Index of the first cell not built yet; cell k covers [k·step, (k + 1)·step). */
  nextCell: number;
  /** Speaker of the most recent assigned window, −1 before any. */
  lastSpeaker: number;
  /** After finish() nothing more is accepted. */
  finished: boolean;
  clustering: OnlineClustering;
  /** Speech from the start of the next window on, in order, not overlapping. */
  tail: SpeechPiece[];
  /** Cells with speech whose label may still change, in order. */
  cells: Cell[];
}

/** What a state buffer must agree on with the diarizer that reads it. */
export interface StateLayout {
  sampleRate: number;
  stepSamples: number;
  windowSteps: number;
}

const MAGIC = 0x4453; // 'SD'
const VERSION = 1;
const WHAT = 'streaming diarizer state';

/**
 * Versioned little-endian layout: magic u16, version u8, sample rate u32, step samples u32, window
 * steps u16, frontier f64, next window u32, next cell u32, last speaker i32, finished u8, the
 * clustering state as a u32-prefixed block, tail pieces (u16 count; start f64, length u32, samples
 * i16 each), cells (u16 count; index u32, speaker i32, revision i32, run count u16, runs as f64
 * pairs, vote count u16, votes as speaker u32, confidence f64).
 */
export function encodeDiarizerState(state: DiarizerState, layout: StateLayout): Buffer {
  const w = new ByteWriter().u16(MAGIC).u8(VERSION).u32(layout.sampleRate).u32(layout.stepSamples).u16(layout.windowSteps);
  w.f64(state.frontier).u32(state.nextWindow).u32(state.nextCell).i32(state.lastSpeaker).u8(state.finished ? 1 : 0);
  w.block(state.clustering.serialize());
  w.u16(state.tail.length);
  for (const piece of state.tail) w.f64(piece.start).u32(piece.pcm.length).bytes(piece.pcm);
  w.u16(state.cells.length);
  for (const cell of state.cells) {
    w.u32(cell.index).i32(cell.speaker).i32(cell.revision).u16(cell.runs.length / 2);
    for (const x of cell.runs) w.f64(x);
    w.u16(cell.votes.length);
    for (const v of cell.votes) w.u32(v.speaker).f64(v.confidence);
  }
  return w.finish();
}

/** Reads `encodeDiarizerState`'s output; throws when the buffer is foreign, of another version or layout, or truncated. */
export function decodeDiarizerState(bytes: Uint8Array, layout: StateLayout, clustering: OnlineClusteringParams): DiarizerState {
  const r = new ByteReader(bytes, WHAT);
  if (r.u16() !== MAGIC) r.fail('not a streaming diarizer state');
  const version = r.u8();
  if (version !== VERSION) r.fail(`version ${version}, this code reads version ${VERSION}`);
  const stored = { sampleRate: r.u32(), stepSamples: r.u32(), windowSteps: r.u16() };
  if (stored.sampleRate !== layout.sampleRate || stored.stepSamples !== layout.stepSamples || stored.windowSteps !== layout.windowSteps) {
    r.fail(`written with ${JSON.stringify(stored)}, read with ${JSON.stringify(layout)}`);
  }
  const state: DiarizerState = {
    frontier: r.f64(),
    nextWindow: r.u32(),
    nextCell: r.u32(),
    lastSpeaker: r.i32(),
    finished: r.u8() === 1,
    clustering: OnlineClustering.restore(r.block(), clustering),
    tail: [],
    cells: [],
  };
  const pieces = r.u16();
  for (let i = 0; i < pieces; i++) {
    const start = r.f64();
    state.tail.push({ start, pcm: r.int16s(r.u32()) });
  }
  const cells = r.u16();
  for (let i = 0; i < cells; i++) {
    const cell: Cell = { index: r.u32(), speaker: r.i32(), revision: r.i32(), runs: [], votes: [] };
    const runs = r.u16();
    for (let n = 0; n < 2 * runs; n++) cell.runs.push(r.f64());
    const votes = r.u16();
    for (let n = 0; n < votes; n++) cell.votes.push({ speaker: r.u32(), confidence: r.f64() });
    state.cells.push(cell);
  }
  r.end();
  return state;
}
