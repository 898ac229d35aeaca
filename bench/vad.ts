/**
 * WebRTC VAD and speech segmentation speed on one core, over the committed 16 kHz fixture clips cut into
 * 1 s chunks: frames/s and real-time factor (processing time / audio time) of
 *   - the VAD alone (30 ms and 10 ms frames, mode 3): the baseline of the ratios,
 *   - the speech collector (VAD + ring + merge + retained PCM), fed 1 s chunks,
 *   - the segmenter as an operator would drive it: restore from the saved state, push the chunk, save the
 *     state again, for every chunk (with the per-chunk latency).
 * Variants alternate within each round and each figure is the median round, so a busy neighbour shifts
 * all of them alike; still, compare the ratios of one run rather than absolute figures across runs.
 *   taskset -c 0 node --import tsx bench/vad.ts [--rounds 30]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SpeechCollector } from '../audio/speech-collector.js';
import { SpeechSegmenter } from '../audio/speech-segmenter.js';
import { decodeWav } from '../audio/wav.js';
import { VAD_SAMPLE_RATE, WebRtcVadRuntime, vadFrameSamples, type VadFrameMs } from '../audio/webrtc-vad.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(values.rounds);

const fixture = (name: string): Int16Array =>
  decodeWav(readFileSync(fileURLToPath(new URL(`../test/fixtures/audio/${name}.wav`, import.meta.url)))).samples;
const clips = ['vad/corpus-conv000-24-38s', 'vad/corpus-conv001-0-12s-noisy', 'speaker-kal-1', 'speaker-kal-2', 'speaker-slt-1'].map(fixture);
const chunked = clips.map((pcm) => Array.from({ length: Math.ceil(pcm.length / VAD_SAMPLE_RATE) }, (_, i) => pcm.subarray(i * VAD_SAMPLE_RATE, (i + 1) * VAD_SAMPLE_RATE)));
const audioSeconds = clips.reduce((sum, pcm) => sum + pcm.length, 0) / VAD_SAMPLE_RATE;
const runtime = await WebRtcVadRuntime.load();

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function vadOnly(frameMs: VadFrameMs): () => void {
  const n = vadFrameSamples(frameMs);
  return () => {
    for (const pcm of clips) {
      const vad = runtime.create(3);
      for (let offset = 0; offset + n <= pcm.length; offset += n) vad.isSpeech(pcm.subarray(offset, offset + n));
      vad.free();
    }
  };
}

function collector(frameMs: VadFrameMs): () => void {
  return () => {
    for (const chunks of chunked) {
      const c = SpeechCollector.create(runtime, { frameMs });
      for (const chunk of chunks) c.feed(chunk);
      c.end();
    }
  };
}

let chunkLatencies: number[] = [];
let largestState = 0;
function operatorPattern(): void {
  for (const chunks of chunked) {
    let state = SpeechSegmenter.create(runtime).toBuffer();
    chunks.forEach((chunk, seq) => {
      const start = now();
      const segmenter = SpeechSegmenter.restore(runtime, state);
      segmenter.push(seq, chunk);
      state = segmenter.toBuffer();
      segmenter.free();
      chunkLatencies.push(now() - start);
      largestState = Math.max(largestState, state.length);
    });
  }
}

const frames = (frameMs: VadFrameMs): number => clips.reduce((sum, pcm) => sum + Math.floor(pcm.length / vadFrameSamples(frameMs)), 0);
const variants = [
  { label: 'VAD alone, 30 ms frames', frameMs: 30, pass: vadOnly(30), baseline: 'VAD alone, 30 ms frames' },
  { label: 'collector, 30 ms frames, 1 s chunks', frameMs: 30, pass: collector(30), baseline: 'VAD alone, 30 ms frames' },
  { label: 'segmenter restore + push + save per 1 s chunk', frameMs: 30, pass: operatorPattern, baseline: 'VAD alone, 30 ms frames' },
  { label: 'VAD alone, 10 ms frames', frameMs: 10, pass: vadOnly(10), baseline: 'VAD alone, 10 ms frames' },
  { label: 'collector, 10 ms frames, 1 s chunks', frameMs: 10, pass: collector(10), baseline: 'VAD alone, 10 ms frames' },
] as const;
const passMs = new Map<string, number[]>(variants.map((v) => [v.label, []]));
for (let round = -1; round < rounds; round++) {
  if (round === 0) chunkLatencies = []; // round -1 warms up
  for (const { label, pass } of variants) {
    const start = now();
    pass();
    if (round >= 0) passMs.get(label)!.push(now() - start);
  }
}

console.log(`${audioSeconds.toFixed(1)} s of audio in ${chunked.flat().length} chunks, median of ${rounds} rounds, mode 3, one core`);
for (const { label, frameMs, baseline } of variants) {
  const ms = median(passMs.get(label)!);
  const ratio = ms / median(passMs.get(baseline)!);
  const rate = Math.round((frames(frameMs) / ms) * 1000).toLocaleString('en');
  console.log(`  ${label.padEnd(48)} ${rate.padStart(10)} frames/s  RTF ${(ms / 1000 / audioSeconds).toExponential(2)}  × ${ratio.toFixed(2)} of the VAD alone`);
}
const sorted = chunkLatencies.sort((a, b) => a - b);
const pct = (p: number): string => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(3);
console.log(`  per chunk (restore + push + save): p50 ${pct(50)} ms, p99 ${pct(99)} ms; largest state ${largestState} bytes`);
