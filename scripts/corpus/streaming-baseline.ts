/**
 * Streaming diarization on a generated corpus next to the offline baseline: every conversation is
 * fed as a live stream in 1 s chunks (state serialised and restored after each chunk), and DER is
 * scored for the labels as first emitted and as final after corrections, at pyannote collars 0.5
 * (±0.25 s) and 0.25 (±0.125 s), overlap scored. Also per-chunk processing time (embedding
 * included; run it on one core) and the serialised state size per stream.
 *   taskset -c 1 nice -n 15 node --import tsx scripts/corpus/streaming-baseline.ts --corpus /tmp/weir-dev-corpus [--no-offline]
 */
import { parseArgs } from 'node:util';
import { DerAccumulator, type SpeakerSegment } from '../../audio/der.js';
import { diarizeOffline } from '../../audio/offline-diarizer.js';
import { SpeakerEmbedder } from '../../audio/speaker-embedder.js';
import { DEFAULT_STREAMING_DIARIZER } from '../../audio/streaming-diarizer.js';
import { loadCorpus, percentile, runStream, speechChunks, type StreamRun } from './corpus-streams.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/tmp/weir-dev-corpus' },
    chunk: { type: 'string', default: '1' },
    'no-offline': { type: 'boolean', default: false },
  },
});
const params = DEFAULT_STREAMING_DIARIZER;
const COLLARS = [0.5, 0.25] as const;
const scorers = (): DerAccumulator[] => COLLARS.map((collar) => new DerAccumulator({ collar, skipOverlap: false }));

const conversations = await loadCorpus(values.corpus);
const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
const embed = (pcm: Int16Array): Promise<Float32Array> => embedder.embed(pcm);

const offline = scorers();
const first = scorers();
const final = scorers();
const runs: StreamRun[] = [];
let offlineMs = 0;
let audioSeconds = 0;
const speakers = (segments: readonly SpeakerSegment[]): number => new Set(segments.map((s) => s.speaker)).size;
for (const c of conversations) {
  audioSeconds += c.pcm.length / 16_000;
  let offlineNote = '';
  if (!values['no-offline']) {
    const started = Date.now();
    const segments = await diarizeOffline(embedder, c.pcm);
    offlineMs += Date.now() - started;
    offline.forEach((s) => s.add(c.reference, segments));
    offlineNote = `  offline ${speakers(segments)} speakers`;
  }
  const run = await runStream(speechChunks(c.pcm, Number(values.chunk)), embed, params);
  runs.push(run);
  first.forEach((s) => s.add(c.reference, run.firstEmitted));
  const file = final.map((s) => s.add(c.reference, run.final));
  const rate = (x: (typeof file)[number]): string => `${((100 * (x.falseAlarm + x.missed + x.confusion)) / x.total).toFixed(1)}%`;
  console.log(`${c.id}  final DER ${rate(file[0]!)} (collar 0.5)  speakers ${speakers(c.reference)} -> ${speakers(run.final)}${offlineNote}  corrections ${run.corrections}`);
}
await embedder.release();

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`.padStart(8);
const breakdown = (s: DerAccumulator): string => {
  const c = s.components;
  return `FA ${pct(c.falseAlarm / c.total)}  miss ${pct(c.missed / c.total)}  conf ${pct(c.confusion / c.total)}`;
};
console.log(`\n${values.corpus}: ${conversations.length} conversations, ${(audioSeconds / 60).toFixed(1)} min, chunks of ${values.chunk} s`);
console.log(`DER                          collar 0.5   collar 0.25   (collar 0.5 breakdown)`);
const row = (name: string, s: DerAccumulator[]): void => console.log(`${name.padEnd(28)} ${pct(s[0]!.rate)}     ${pct(s[1]!.rate)}     ${breakdown(s[0]!)}`);
if (!values['no-offline']) row('offline baseline', offline);
row('streaming, first emitted', first);
row('streaming, final', final);

const all = (pick: (r: StreamRun) => number[]): number[] => runs.flatMap(pick);
const chunkMs = all((r) => r.chunkMs);
const embedMs = all((r) => r.embedMs);
const ownMs = chunkMs.map((x, i) => x - embedMs[i]!);
const stateMs = all((r) => r.stateMs);
const bytes = all((r) => r.stateBytes);
const delays = all((r) => r.firstEmissionDelays);
const corrections = runs.reduce((s, r) => s + r.corrections, 0);
const segments = runs.reduce((s, r) => s + r.final.length, 0);
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const spread = (xs: number[]): string => `p50 ${ms(percentile(xs, 50))}  p99 ${ms(percentile(xs, 99))}  max ${ms(Math.max(...xs))}`;
console.log(`\nper chunk (${chunkMs.length} chunks): process ${spread(chunkMs)}`);
console.log(`  of which embedding ${spread(embedMs)};  the rest ${spread(ownMs)}`);
console.log(`  serialise + restore ${spread(stateMs)}`);
if (!values['no-offline']) {
  const streamingPerSecond = chunkMs.reduce((s, x) => s + x, 0) / audioSeconds;
  console.log(`compute per audio second: offline ${ms(offlineMs / audioSeconds)}, streaming ${ms(streamingPerSecond)} (ratio ${(streamingPerSecond / (offlineMs / audioSeconds)).toFixed(2)})`);
}
console.log(`state per stream: p50 ${percentile(bytes, 50)} B  p99 ${percentile(bytes, 99)} B  max ${Math.max(...bytes)} B`);
console.log(`segments ${segments}, corrections ${corrections}; first emission after the segment's end (stream time): p50 ${percentile(delays, 50).toFixed(2)} s  p99 ${percentile(delays, 99).toFixed(2)} s`);
const bins = [0, 0.25, 0.5, 0.75, 1.01];
const firstConfidence = runs.flatMap((r) => r.firstConfidence);
const byBin = bins.slice(1).map((upper, i) => {
  const inBin = firstConfidence.filter((f) => f.confidence >= bins[i]! && f.confidence < upper);
  const corrected = inBin.filter((f) => f.corrected).length;
  return `[${bins[i]!.toFixed(2)}, ${Math.min(upper, 1).toFixed(2)}${upper > 1 ? ']' : ')'}: ${inBin.length} segments, ${inBin.length > 0 ? ((100 * corrected) / inBin.length).toFixed(1) : '-'} % corrected`;
});
console.log(`first-emitted confidence vs later correction: ${byBin.join(';  ')}`);
