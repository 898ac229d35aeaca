/** The front-end parameters Resemblyzer 0.1.4's voice encoder was trained with (its hparams.py). */
export const RESEMBLYZER = {
  sampleRate: 16_000,
  /** 25 ms window. */
  fftSize: 400,
  /** 10 ms hop. */
  hopLength: 160,
  melBands: 40,
  /** Frames per partial utterance (1.6 s). */
  partialFrames: 160,
  /** Partial utterances per second of audio. */
  partialRate: 1.3,
  /** The last partial is kept when at least this share of it is covered by audio. */
  minCoverage: 0.75,
  /** Quieter audio is raised to this level before embedding; louder audio is left alone. */
  targetDbfs: -30,
  embeddingSize: 256,
} as const;
