import type { Interval } from './der.js';

export interface SpeechRegionOptions {
  sampleRate: number;
  /** Analysis frame, seconds. */
  frame?: number;
  /** Frames quieter than the loudest frame by more than this many dB are silence. */
  relativeFloorDb?: number;
  /** Frames below this absolute level (dBFS) are silence. */
  absoluteFloorDb?: number;
  /** Silences shorter than this (seconds) are bridged. */
  minGap?: number;
}

/**
 * Where speech is audible, by energy: 10 ms frames whose RMS is above a floor relative to the
 * loudest frame (and above an absolute floor), short pauses bridged. Ground truth of the synthetic
 * corpus (run on each clean clip before mixing) and the offline baseline's speech detector.
 */
export function speechRegions(pcm: Int16Array, options: SpeechRegionOptions): Interval[] {
  const { sampleRate, frame = 0.01, relativeFloorDb = 40, absoluteFloorDb = -55, minGap = 0.3 } = options;
  const frameLength = Math.round(frame * sampleRate);
  const frames = Math.floor(pcm.length / frameLength);
  const levels = new Float64Array(frames);
  let peak = -Infinity;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * frameLength; i < (f + 1) * frameLength; i++) sum += (pcm[i]! / 32768) ** 2;
    levels[f] = 10 * Math.log10(sum / frameLength + 1e-20);
    peak = Math.max(peak, levels[f]!);
  }
  const floor = Math.max(peak - relativeFloorDb, absoluteFloorDb);
  const regions: Interval[] = [];
  for (let f = 0; f < frames; f++) {
    if (levels[f]! <= floor) continue;
    const start = f * frame;
    const last = regions[regions.length - 1];
    if (last && start - last.end < minGap) last.end = start + frame;
    else regions.push({ start, end: start + frame });
  }
  return regions;
}
