/**
 * Triangular mel filterbank identical to librosa.filters.mel(htk=False, norm='slaney'):
 * Slaney's mel scale (linear below 1 kHz, logarithmic above), filters area-normalised.
 * Stored sparsely: each band keeps only its non-zero FFT bins.
 */
export interface MelBand {
  readonly firstBin: number;
  readonly weights: Float32Array;
}

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

export function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

export function melFilterbank(sampleRate: number, fftSize: number, bands: number, fMin = 0, fMax = sampleRate / 2): MelBand[] {
  const bins = Math.floor(fftSize / 2) + 1;
  const fftFreqs = Array.from({ length: bins }, (_, k) => (k * sampleRate) / fftSize);
  const minMel = hzToMel(fMin);
  const maxMel = hzToMel(fMax);
  // bands + 2 edges, evenly spaced in mel (numpy.linspace semantics).
  const step = (maxMel - minMel) / (bands + 1);
  const edges = Array.from({ length: bands + 2 }, (_, i) => melToHz(minMel + i * step));
  const result: MelBand[] = [];
  for (let m = 0; m < bands; m++) {
    const lo = edges[m]!;
    const center = edges[m + 1]!;
    const hi = edges[m + 2]!;
    const norm = 2 / (hi - lo);
    const dense = fftFreqs.map((f) => Math.max(0, Math.min((f - lo) / (center - lo), (hi - f) / (hi - center))));
    let first = dense.findIndex((w) => w > 0);
    if (first < 0) first = 0;
    let last = dense.length - 1;
    while (last > first && dense[last]! <= 0) last--;
    // librosa keeps weights in float32 (its default dtype) before and after the area normalisation.
    const weights = Float32Array.from(dense.slice(first, last + 1), (w) => Math.fround(Math.fround(w) * norm));
    result.push({ firstBin: first, weights });
  }
  return result;
}
