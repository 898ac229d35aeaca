import { Prng } from './prng.js';
import { EmbeddingSampler, randomOrthogonalUnitVector, randomUnitVector, shiftedDirection } from './synthetic-embeddings.js';

/**
 * How the mean direction of a synthetic stream moves over time (any time unit: hours in the generator
 * script, windows in the tests and the bench). The size s is that of synthetic-embeddings.ts: the mean
 * turns by atan(s) towards a fixed random direction orthogonal to the original one.
 */
export type ShiftScenario =
  | { kind: 'stationary' }
  /** From time `at` on, the mean is shifted by `size`. */
  | { kind: 'abrupt'; at: number; size: number }
  /** From time `start` on, the shift grows linearly: size = slope × (t − start). */
  | { kind: 'gradual'; start: number; slope: number };

/** The shift size of `scenario` at time t. */
export function shiftSizeAt(scenario: ShiftScenario, t: number): number {
  switch (scenario.kind) {
    case 'stationary':
      return 0;
    case 'abrupt':
      return t >= scenario.at ? scenario.size : 0;
    case 'gradual':
      return t > scenario.start ? scenario.slope * (t - scenario.start) : 0;
  }
}

export interface SyntheticStreamOptions {
  dimension: number;
  /** κ of synthetic-embeddings.ts (0.655 gives a pairwise cosine of about 0.3). */
  concentration: number;
  /** Seeds the mean direction, the shift direction and the noise: one seed, one stream. */
  seed: string;
  scenario: ShiftScenario;
}

/** One seeded stream of unit embeddings whose mean direction follows a shift scenario. */
export class SyntheticStream {
  readonly base: Float64Array;
  readonly towards: Float64Array;
  private readonly sampler: EmbeddingSampler;
  private readonly direction: Float64Array;
  private directionSize = 0;

  constructor(private readonly options: SyntheticStreamOptions) {
    const prng = Prng.fromKey(options.seed);
    this.base = randomUnitVector(prng, options.dimension);
    this.towards = randomOrthogonalUnitVector(prng, this.base);
    this.direction = Float64Array.from(this.base);
    this.sampler = new EmbeddingSampler(options.dimension, prng);
  }

  /** One embedding as the stream draws it at time t, written to `out`. */
  sample(t: number, out: Float32Array = new Float32Array(this.options.dimension)): Float32Array {
    const size = shiftSizeAt(this.options.scenario, t);
    if (size !== this.directionSize) {
      shiftedDirection(this.base, this.towards, size, this.direction);
      this.directionSize = size;
    }
    return this.sampler.sample(this.direction, this.options.concentration, out);
  }
}
