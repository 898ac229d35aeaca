import { RESEMBLYZER } from './resemblyzer-params.js';

export interface PartialPlan {
  /** First mel frame of each partial utterance. */
  readonly melStarts: number[];
  /** Samples the audio is zero-padded to so that the last partial is complete. */
  readonly paddedLength: number;
}

/**
 * Where Resemblyzer's compute_partial_slices() cuts an utterance of `samples` samples into
 * partials of `partialFrames` mel frames, `rate` partials per second. The last partial is dropped
 * when less than `minCoverage` of it is covered by audio, unless it is the only one.
 */
export function planPartials(
  samples: number,
  rate: number = RESEMBLYZER.partialRate,
  minCoverage: number = RESEMBLYZER.minCoverage,
): PartialPlan {
  const { sampleRate, hopLength, partialFrames } = RESEMBLYZER;
  const frames = Math.ceil((samples + 1) / hopLength);
  // Python's round() rounds halves to even; the steps used here never land on a half.
  const frameStep = Math.round(sampleRate / rate / hopLength);
  if (frameStep <= 0 || frameStep > partialFrames) throw new RangeError(`partial rate ${rate} out of range`);
  const steps = Math.max(1, frames - partialFrames + frameStep + 1);
  const melStarts: number[] = [];
  for (let i = 0; i < steps; i += frameStep) melStarts.push(i);
  const lastStart = melStarts[melStarts.length - 1]! * hopLength;
  const coverage = (samples - lastStart) / (partialFrames * hopLength);
  if (coverage < minCoverage && melStarts.length > 1) melStarts.pop();
  const paddedLength = Math.max(samples, (melStarts[melStarts.length - 1]! + partialFrames) * hopLength);
  return { melStarts, paddedLength };
}
