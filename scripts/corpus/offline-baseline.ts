/**
 * Offline diarization baseline on a generated corpus: sliding-window speaker embeddings,
 * agglomerative clustering, RTTM out, corpus DER printed (collar 0.25 s by default).
 *   node --import tsx scripts/corpus/offline-baseline.ts --corpus /tmp/weir-dev-corpus [--threshold 0.65 | --known-speakers]
 *   node --import tsx scripts/corpus/offline-baseline.ts --generate --seed 1 --conversations 8
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCorpus } from '../../audio/corpus/generate-corpus.js';
import { DerAccumulator, diarizationErrorRate } from '../../audio/der.js';
import { DEFAULT_BASELINE_THRESHOLD, diarizeOffline } from '../../audio/offline-diarizer.js';
import { formatRttm, groupByFile, parseRttm, type SpeakerTurn } from '../../audio/rttm.js';
import { SpeakerEmbedder } from '../../audio/speaker-embedder.js';
import { decodeWav } from '../../audio/wav.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/tmp/weir-dev-corpus' },
    generate: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    conversations: { type: 'string', default: '8' },
    threshold: { type: 'string', default: String(DEFAULT_BASELINE_THRESHOLD) },
    'known-speakers': { type: 'boolean', default: false },
    collar: { type: 'string', default: '0.25' },
  },
});

if (values.generate) {
  await generateCorpus({ outDir: values.corpus, seed: Number(values.seed), conversations: Number(values.conversations) });
}
const reference = groupByFile(parseRttm(await readFile(join(values.corpus, 'corpus.rttm'), 'utf8')));
const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
const scorer = new DerAccumulator({ collar: Number(values.collar) });
const hypothesis: SpeakerTurn[] = [];
const started = Date.now();
let audioSeconds = 0;
for (const [file, turns] of reference) {
  const pcm = decodeWav(await readFile(join(values.corpus, `${file}.wav`))).samples;
  audioSeconds += pcm.length / 16_000;
  const clusters = values['known-speakers'] ? { clusters: new Set(turns.map((t) => t.speaker)).size } : { threshold: Number(values.threshold) };
  const segments = await diarizeOffline(embedder, pcm, clusters);
  hypothesis.push(...segments.map((s) => ({ ...s, file })));
  const c = scorer.add(turns, segments);
  const found = new Set(segments.map((s) => s.speaker)).size;
  console.log(`${file}  DER ${(100 * diarizationErrorRate(c)).toFixed(1)}%  (FA ${c.falseAlarm.toFixed(1)} s, miss ${c.missed.toFixed(1)} s, conf ${c.confusion.toFixed(1)} s of ${c.total.toFixed(1)} s)  speakers ${new Set(turns.map((t) => t.speaker)).size} -> ${found}`);
}
await embedder.release();
await writeFile(join(values.corpus, 'baseline-hypothesis.rttm'), formatRttm(hypothesis));
const c = scorer.components;
console.log(`corpus DER ${(100 * scorer.rate).toFixed(2)}% (collar ${values.collar}): FA ${(100 * c.falseAlarm / c.total).toFixed(2)}%, missed ${(100 * c.missed / c.total).toFixed(2)}%, confusion ${(100 * c.confusion / c.total).toFixed(2)}%`);
console.log(`${reference.size} files, ${(audioSeconds / 60).toFixed(1)} min, diarized in ${((Date.now() - started) / 1000).toFixed(1)} s`);
