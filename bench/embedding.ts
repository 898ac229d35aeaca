/**
 * Speaker-embedding latency per 1 s chunk of 16 kHz audio on one core (onnxruntime
 * intraOpNumThreads = 1), and the share of it spent in the TypeScript front-end (volume gain +
 * mel spectrogram). The diarize operator's budget is P99 < 100 ms per chunk.
 *   taskset -c 0 node --import tsx bench/embedding.ts [--iterations 300]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MelSpectrogram } from '../audio/mel-spectrogram.js';
import { planPartials } from '../audio/partials.js';
import { RESEMBLYZER } from '../audio/resemblyzer-params.js';
import { SpeakerEmbedder } from '../audio/speaker-embedder.js';
import { volumeGain } from '../audio/volume.js';
import { decodeWav } from '../audio/wav.js';

const BUDGET_MS = 100;
const { values } = parseArgs({ options: { iterations: { type: 'string', default: '300' }, warmup: { type: 'string', default: '20' } } });
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);

const clips = ['speaker-kal-1', 'speaker-kal-2', 'speaker-slt-1'].map(
  (name) => decodeWav(readFileSync(fileURLToPath(new URL(`../test/fixtures/audio/${name}.wav`, import.meta.url)))).samples,
);
const second = RESEMBLYZER.sampleRate;
const chunks = clips.flatMap((pcm) => Array.from({ length: Math.floor(pcm.length / second) }, (_, i) => pcm.subarray(i * second, (i + 1) * second)));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((s, x) => s + x, 0) / samples.length };
}

const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

// Front-end alone: what the embedder does before inference, on the same chunks.
const mel = new MelSpectrogram(RESEMBLYZER);
const melOut = new Float32Array(mel.frameCount(planPartials(second).paddedLength) * RESEMBLYZER.melBands);
const frontEnd: number[] = [];
for (let i = 0; i < warmup + iterations; i++) {
  const chunk = chunks[i % chunks.length]!;
  const start = process.hrtime.bigint();
  const plan = planPartials(chunk.length);
  const gain = volumeGain(chunk, 1 / 32768, RESEMBLYZER.targetDbfs);
  mel.compute(chunk, gain / 32768, plan.paddedLength, melOut);
  if (i >= warmup) frontEnd.push(elapsedMs(start));
}

const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
const out = new Float32Array(RESEMBLYZER.embeddingSize);
const total: number[] = [];
for (let i = 0; i < warmup + iterations; i++) {
  const start = process.hrtime.bigint();
  await embedder.embed(chunks[i % chunks.length]!, out);
  if (i >= warmup) total.push(elapsedMs(start));
}
await embedder.release();

const t = summarise(total);
const f = summarise(frontEnd);
const ms = (x: number): string => `${x.toFixed(2)} ms`;
console.log(`embedding per 1 s chunk (1 partial of 1.6 s, one core), ${iterations} runs over ${chunks.length} chunks`);
console.log(`  total      p50 ${ms(t.p50)}  p99 ${ms(t.p99)}  mean ${ms(t.mean)}`);
console.log(`  front-end  p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  mean ${ms(f.mean)}  (share of p50: ${((100 * f.p50) / t.p50).toFixed(1)}%)`);
console.log(`  p99 / ${BUDGET_MS} ms budget: ${(t.p99 / BUDGET_MS).toFixed(3)}`);
