import ort from 'onnxruntime-node';
import { SPEAKER_EMBEDDING_MODEL } from '../models/speaker-embedding.js';
import { MelSpectrogram } from './mel-spectrogram.js';
import { planPartials, type PartialPlan } from './partials.js';
import { RESEMBLYZER } from './resemblyzer-params.js';
import { volumeGain } from './volume.js';

export interface SpeakerEmbedderOptions {
  /** Default models/speaker-embedding.onnx; another model must have the same tensor contract. */
  modelPath?: string;
  /** onnxruntime intra-op threads; 1 keeps one embedding on one core. */
  intraOpNumThreads?: number;
  /** Partials per inference call; longer audio runs in several calls. */
  maxBatch?: number;
  /** Raise quiet audio to -30 dBFS first, as the model was trained (default true). */
  normalizeVolume?: boolean;
}

interface BatchTensors {
  input: ort.Tensor;
  output: ort.Tensor;
}

const PCM_SCALE = 1 / 32768;
const { melBands, partialFrames, embeddingSize } = RESEMBLYZER;
const { input: INPUT, output: OUTPUT } = SPEAKER_EMBEDDING_MODEL;
const PARTIAL_VALUES = partialFrames * melBands;

/**
 * Speaker embedding of 16 kHz mono PCM: Resemblyzer's front-end in TypeScript, its GE2E encoder
 * through onnxruntime. The audio is cut into partials of 1.6 s (1.3 per second), the partials are
 * embedded in batches, and their mean is L2-normalised.
 *
 * Buffers, tensors and the partial plan are created once and reused (buffers only grow when a
 * longer input than any before arrives); in steady state a call allocates only its promises and
 * the result object onnxruntime returns. The embedding is written into a caller-owned array.
 * Calls are serialised.
 *
 * @example
 * const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
 * const a = await embedder.embed(pcmA);            // Float32Array(256), unit norm
 * const b = await embedder.embed(pcmB);
 * const similarity = cosineSimilarity(a, b);
 */
export class SpeakerEmbedder {
  private readonly mel = new MelSpectrogram(RESEMBLYZER);
  private melFrames = new Float32Array(0);
  private readonly batchInput: Float32Array;
  private readonly batchOutput: Float32Array;
  private readonly tensors = new Map<number, BatchTensors>();
  private readonly sum = new Float64Array(embeddingSize);
  /** The plan of the last input length: a stream of equal chunks plans once. */
  private plan: PartialPlan = planPartials(RESEMBLYZER.sampleRate);
  private planLength: number = RESEMBLYZER.sampleRate;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly maxBatch: number,
    private readonly normalizeVolume: boolean,
  ) {
    this.batchInput = new Float32Array(maxBatch * PARTIAL_VALUES);
    this.batchOutput = new Float32Array(maxBatch * embeddingSize);
  }

  static async create(options: SpeakerEmbedderOptions = {}): Promise<SpeakerEmbedder> {
    const maxBatch = options.maxBatch ?? 16;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    const session = await ort.InferenceSession.create(options.modelPath ?? SPEAKER_EMBEDDING_MODEL.path, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new SpeakerEmbedder(session, maxBatch, options.normalizeVolume ?? true);
  }

  /** Embeds `pcm` (16 kHz mono, at least one sample) into `out` (256 values, unit L2 norm) and returns `out`. */
  embed(pcm: Int16Array, out: Float32Array = new Float32Array(embeddingSize)): Promise<Float32Array> {
    if (pcm.length === 0) return Promise.reject(new RangeError('cannot embed empty audio'));
    if (out.length !== embeddingSize) return Promise.reject(new RangeError(`output must hold ${embeddingSize} values`));
    const run = this.queue.then(() => this.embedNow(pcm, out));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async release(): Promise<void> {
    await this.queue;
    await this.session.release();
  }

  private async embedNow(pcm: Int16Array, out: Float32Array): Promise<Float32Array> {
    if (pcm.length !== this.planLength) {
      this.plan = planPartials(pcm.length);
      this.planLength = pcm.length;
    }
    const plan = this.plan;
    const gain = this.normalizeVolume ? volumeGain(pcm, PCM_SCALE, RESEMBLYZER.targetDbfs) : 1;
    const frames = this.mel.frameCount(plan.paddedLength);
    if (this.melFrames.length < frames * melBands) this.melFrames = new Float32Array(frames * melBands);
    this.mel.compute(pcm, PCM_SCALE * gain, plan.paddedLength, this.melFrames);

    this.sum.fill(0);
    const starts = plan.melStarts;
    for (let first = 0; first < starts.length; first += this.maxBatch) {
      const count = Math.min(this.maxBatch, starts.length - first);
      for (let p = 0; p < count; p++) {
        const from = starts[first + p]! * melBands;
        this.batchInput.set(this.melFrames.subarray(from, from + PARTIAL_VALUES), p * PARTIAL_VALUES);
      }
      const { input, output } = this.tensorsFor(count);
      await this.session.run({ [INPUT.name]: input }, { [OUTPUT.name]: output });
      for (let p = 0; p < count; p++) {
        const base = p * embeddingSize;
        for (let i = 0; i < embeddingSize; i++) this.sum[i] = this.sum[i]! + this.batchOutput[base + i]!;
      }
    }

    let norm = 0;
    for (let i = 0; i < embeddingSize; i++) norm += this.sum[i]! * this.sum[i]!;
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < embeddingSize; i++) out[i] = this.sum[i]! * inverse;
    return out;
  }

  /** Tensors over the shared batch buffers for `count` partials; the output is written in place. */
  private tensorsFor(count: number): BatchTensors {
    let tensors = this.tensors.get(count);
    if (!tensors) {
      tensors = {
        input: new ort.Tensor('float32', this.batchInput.subarray(0, count * PARTIAL_VALUES), [count, partialFrames, melBands]),
        output: new ort.Tensor('float32', this.batchOutput.subarray(0, count * embeddingSize), [count, embeddingSize]),
      };
      this.tensors.set(count, tensors);
    }
    return tensors;
  }
}
