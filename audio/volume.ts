import type { PcmSamples } from './mel-spectrogram.js';

/**
 * The gain Resemblyzer's normalize_volume(increase_only=True) applies: raise the RMS level of
 * `samples`·`scale` to `targetDbfs`, never lower it. Silence (RMS 0) gets gain 1.
 */
export function volumeGain(samples: PcmSamples, scale: number, targetDbfs: number): number {
  if (samples.length === 0) return 1;
  let sumSquares = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]! * scale;
    sumSquares += x * x;
  }
  if (sumSquares === 0) return 1;
  const dbfs = 10 * Math.log10(sumSquares / samples.length);
  const change = targetDbfs - dbfs;
  return change < 0 ? 1 : 10 ** (change / 20);
}
