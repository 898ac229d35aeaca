import { maximumWeightAssignment } from './hungarian.js';
import type { SpeakerTurn } from './rttm.js';

/**
 * Diarization error rate with pyannote.metrics' semantics:
 * DER = (false alarm + missed detection + speaker confusion) / total reference speech,
 * after an optimal one-to-one mapping of hypothesis to reference speakers (Hungarian algorithm on
 * their co-occurrence durations). Overlapping speech counts once per speaker.
 *
 * @example
 * const scorer = new DerAccumulator({ collar: 0.25 });
 * for (const file of files) scorer.add(referenceTurns(file), hypothesisTurns(file));
 * console.log(scorer.rate); // corpus DER: components summed over files, then divided
 */

export interface DerOptions {
  /**
   * Seconds removed from scoring around every reference turn boundary, in total: half before,
   * half after the boundary (pyannote.metrics' `collar`; 0.25 here is md-eval's ±0.125).
   */
  collar?: number;
  /** Leave regions where reference speakers overlap out of scoring (default false). */
  skipOverlap?: boolean;
  /** Scored regions; default the span from the earliest to the latest turn of either side. */
  uem?: readonly Interval[];
}

export interface Interval {
  start: number;
  end: number;
}

export interface DerComponents {
  /** Reference speech, seconds (per speaker). */
  total: number;
  correct: number;
  falseAlarm: number;
  missed: number;
  confusion: number;
}

export type SpeakerSegment = Pick<SpeakerTurn, 'start' | 'duration' | 'speaker'>;

interface Piece extends Interval {
  label: string;
}

/** pyannote.core treats shorter segments as empty. */
const EMPTY = 1e-6;

export function emptyComponents(): DerComponents {
  return { total: 0, correct: 0, falseAlarm: 0, missed: 0, confusion: 0 };
}

/** The error rate of (possibly accumulated) components; like pyannote, 0/0 is 0 and e/0 is 1. */
export function diarizationErrorRate(c: DerComponents): number {
  const errors = c.falseAlarm + c.missed + c.confusion;
  if (c.total === 0) return errors === 0 ? 0 : 1;
  return errors / c.total;
}

/** DER components of one file. */
export function derComponents(reference: readonly SpeakerSegment[], hypothesis: readonly SpeakerSegment[], options: DerOptions = {}): DerComponents {
  const ref = toPieces(reference);
  const hyp = toPieces(hypothesis);
  const uem = options.uem ? [...options.uem] : defaultUem(ref, hyp);
  const scored = subtract(uem, excludedRegions(ref, options.collar ?? 0, options.skipOverlap ?? false));
  const refScored = crop(ref, scored);
  const hypScored = crop(hyp, scored);
  return countErrors(refScored, mapSpeakers(refScored, hypScored));
}

/** Sums components over files, so the corpus rate weights every file by its reference speech. */
export class DerAccumulator {
  readonly components: DerComponents = emptyComponents();

  constructor(private readonly options: DerOptions = {}) {}

  add(reference: readonly SpeakerSegment[], hypothesis: readonly SpeakerSegment[]): DerComponents {
    const file = derComponents(reference, hypothesis, this.options);
    for (const key of Object.keys(file) as (keyof DerComponents)[]) this.components[key] += file[key];
    return file;
  }

  get rate(): number {
    return diarizationErrorRate(this.components);
  }
}

function toPieces(segments: readonly SpeakerSegment[]): Piece[] {
  return segments
    .map((s) => ({ start: s.start, end: s.start + s.duration, label: s.speaker }))
    .filter((p) => p.end - p.start > EMPTY);
}

function defaultUem(ref: readonly Piece[], hyp: readonly Piece[]): Interval[] {
  const all = [...ref, ...hyp];
  if (all.length === 0) return [];
  return [{ start: Math.min(...all.map((p) => p.start)), end: Math.max(...all.map((p) => p.end)) }];
}

function excludedRegions(ref: readonly Piece[], collar: number, skipOverlap: boolean): Interval[] {
  const regions: Interval[] = [];
  if (collar > 0) {
    for (const p of ref) {
      regions.push({ start: p.start - collar / 2, end: p.start + collar / 2 });
      regions.push({ start: p.end - collar / 2, end: p.end + collar / 2 });
    }
  }
  if (skipOverlap) {
    for (let i = 0; i < ref.length; i++) {
      for (let j = i + 1; j < ref.length; j++) {
        const start = Math.max(ref[i]!.start, ref[j]!.start);
        const end = Math.min(ref[i]!.end, ref[j]!.end);
        if (end > start) regions.push({ start, end });
      }
    }
  }
  return regions;
}

/** `from` minus the union of `remove`, as sorted disjoint intervals. */
function subtract(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const holes = [...remove].sort((a, b) => a.start - b.start);
  const result: Interval[] = [];
  for (const interval of [...from].sort((a, b) => a.start - b.start)) {
    let cursor = interval.start;
    for (const hole of holes) {
      if (hole.end <= cursor || hole.start >= interval.end) continue;
      if (hole.start > cursor) result.push({ start: cursor, end: hole.start });
      cursor = Math.max(cursor, hole.end);
    }
    if (interval.end > cursor) result.push({ start: cursor, end: interval.end });
  }
  return result.filter((i) => i.end - i.start > EMPTY);
}

function crop(pieces: readonly Piece[], regions: readonly Interval[]): Piece[] {
  const result: Piece[] = [];
  for (const p of pieces) {
    for (const r of regions) {
      const start = Math.max(p.start, r.start);
      const end = Math.min(p.end, r.end);
      if (end - start > EMPTY) result.push({ start, end, label: p.label });
    }
  }
  return result;
}

/** Hypothesis pieces relabelled with their mapped reference speaker; unmapped ones never match. */
function mapSpeakers(ref: readonly Piece[], hyp: readonly Piece[]): Piece[] {
  const refLabels = [...new Set(ref.map((p) => p.label))];
  const hypLabels = [...new Set(hyp.map((p) => p.label))];
  const cooccurrence = hypLabels.map(() => new Array<number>(refLabels.length).fill(0));
  const refIndex = new Map(refLabels.map((l, i) => [l, i]));
  const hypIndex = new Map(hypLabels.map((l, i) => [l, i]));
  for (const h of hyp) {
    const row = cooccurrence[hypIndex.get(h.label)!]!;
    for (const r of ref) {
      const overlap = Math.min(h.end, r.end) - Math.max(h.start, r.start);
      if (overlap > 0) row[refIndex.get(r.label)!]! += overlap;
    }
  }
  const assignment = maximumWeightAssignment(cooccurrence);
  const mapped = new Map<string, string>();
  hypLabels.forEach((label, i) => {
    const col = assignment[i]!;
    // A NUL prefix cannot occur in RTTM speaker names, so unmapped labels match nothing.
    mapped.set(label, col >= 0 && cooccurrence[i]![col]! > 0 ? refLabels[col]! : `\u0000${label}`);
  });
  return hyp.map((p) => ({ ...p, label: mapped.get(p.label)! }));
}

/** Sweeps the common segmentation of both sides, counting errors per elementary segment. */
function countErrors(ref: readonly Piece[], hyp: readonly Piece[]): DerComponents {
  interface Event { time: number; delta: 1 | -1; side: 0 | 1; label: string }
  const events: Event[] = [];
  ref.forEach((p) => events.push({ time: p.start, delta: 1, side: 0, label: p.label }, { time: p.end, delta: -1, side: 0, label: p.label }));
  hyp.forEach((p) => events.push({ time: p.start, delta: 1, side: 1, label: p.label }, { time: p.end, delta: -1, side: 1, label: p.label }));
  events.sort((a, b) => a.time - b.time);

  const active = [new Map<string, number>(), new Map<string, number>()] as const;
  const counts = [0, 0];
  const c = emptyComponents();
  for (let i = 0; i < events.length; ) {
    const time = events[i]!.time;
    for (; i < events.length && events[i]!.time === time; i++) {
      const e = events[i]!;
      active[e.side].set(e.label, (active[e.side].get(e.label) ?? 0) + e.delta);
      counts[e.side]! += e.delta;
    }
    if (i === events.length) break;
    const duration = events[i]!.time - time;
    const nRef = counts[0]!;
    const nHyp = counts[1]!;
    if (duration <= 0 || (nRef === 0 && nHyp === 0)) continue;
    let correct = 0;
    for (const [label, n] of active[0]) if (n > 0) correct += Math.min(n, active[1].get(label) ?? 0);
    c.total += nRef * duration;
    c.correct += correct * duration;
    c.missed += Math.max(0, nRef - nHyp) * duration;
    c.falseAlarm += Math.max(0, nHyp - nRef) * duration;
    c.confusion += (Math.min(nRef, nHyp) - correct) * duration;
  }
  return c;
}
