import { melFilterbank, type MelBand } from './mel-filterbank.js';
import { RealFft } from './real-fft.js';

export interface MelSpectrogramOptions {
  sampleRate: number;
  fftSize: number;
  hopLength: number;
  melBands: number;
}

/** PCM as 16-bit integers or as floats; `scale` maps it to [-1, 1). */
export type PcmSamples = Int16Array | Float32Array;

/**
 * Power mel spectrogram as librosa.feature.melspectrogram computes it with its defaults
 * (centred frames, zero padding of fftSize/2 at both ends, periodic Hann window, |STFT|², Slaney
 * mel filterbank, no log). Frame-major output: frame t occupies out[t·bands .. (t+1)·bands).
 * Reuses its buffers: compute() allocates nothing.
 */
export class MelSpectrogram {
  readonly options: MelSpectrogramOptions;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;
  private readonly bands: MelBand[];

  constructor(options: MelSpectrogramOptions) {
    this.options = options;
    this.fft = new RealFft(options.fftSize);
    this.window = new Float64Array(options.fftSize);
    for (let i = 0; i < options.fftSize; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / options.fftSize);
    this.frame = new Float64Array(options.fftSize);
    this.power = new Float64Array(this.fft.bins);
    this.bands = melFilterbank(options.sampleRate, options.fftSize, options.melBands);
  }

  /** Frames produced for a signal of `length` samples. */
  frameCount(length: number): number {
    return 1 + Math.floor(length / this.options.hopLength);
  }

  /**
   * Computes the mel frames of `samples`·`scale`, treated as `length` samples long: samples past
   * the end of the array count as zeros (Resemblyzer zero-pads audio up to its last partial).
   * Writes frameCount(length)·melBands values into `out` and returns the number of frames.
   */
  compute(samples: PcmSamples, scale: number, length: number, out: Float32Array): number {
    const { fftSize, hopLength, melBands } = this.options;
    const frames = this.frameCount(length);
    if (out.length < frames * melBands) throw new RangeError(`mel output needs ${frames * melBands} values, has ${out.length}`);
    const available = Math.min(samples.length, length);
    const frame = this.frame;
    const window = this.window;
    const power = this.power;
    const offset = fftSize >>> 1;
    for (let t = 0; t < frames; t++) {
      const start = t * hopLength - offset;
      const base = t * melBands;
      if (start >= available) {
        // Entirely in the zero padding (a short chunk padded to a whole partial): nothing to transform.
        out.fill(0, base, base + melBands);
        continue;
      }
      for (let i = 0; i < fftSize; i++) {
        const s = start + i;
        frame[i] = s >= 0 && s < available ? samples[s]! * scale * window[i]! : 0;
      }
      this.fft.powerSpectrum(frame, power);
      for (let m = 0; m < melBands; m++) {
        const band = this.bands[m]!;
        const weights = band.weights;
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k]! * power[band.firstBin + k]!;
        out[base + m] = sum;
      }
    }
    return frames;
  }
}
