import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateCorpus, type CorpusFile } from '../../../audio/corpus/generate-corpus.js';
import { Prng } from '../../../audio/corpus/prng.js';
import { missingBinaries } from '../../../audio/corpus/voices.js';
import { DerAccumulator } from '../../../audio/der.js';
import { diarizeOffline } from '../../../audio/offline-diarizer.js';
import { groupByFile, parseRttm } from '../../../audio/rttm.js';
import { SpeakerEmbedder } from '../../../audio/speaker-embedder.js';
import { decodeWav } from '../../../audio/wav.js';

const TINY = { seed: 7, conversations: 2, turns: 6, minSpeakers: 2, maxSpeakers: 3 };
let dir: string;
let files: CorpusFile[];

before(async () => {
  const missing = await missingBinaries();
  assert.deepEqual(missing, [], `missing ${missing.join(', ')}: run scripts/corpus/install-voices`);
  dir = await mkdtemp(join(tmpdir(), 'weir-corpus-test-'));
  files = await generateCorpus({ ...TINY, outDir: join(dir, 'a') });
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('PRNG is deterministic per seed and roughly uniform', () => {
  const a = new Prng(123);
  const b = new Prng(123);
  const xs = Array.from({ length: 10_000 }, () => a.next());
  assert.deepEqual(xs.slice(0, 50), Array.from({ length: 50 }, () => b.next()));
  assert.notEqual(new Prng(124).next(), xs[0]);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02 && xs.every((x) => x >= 0 && x < 1));
});

test('generated conversations are 16 kHz mono WAV with RTTM ground truth of 2-3 speakers', async () => {
  assert.equal(files.length, 2);
  const corpus = groupByFile(parseRttm(await readFile(join(dir, 'a', 'corpus.rttm'), 'utf8')));
  for (const file of files) {
    const wav = decodeWav(await readFile(file.wavPath));
    assert.equal(wav.sampleRate, 16_000);
    assert.equal(wav.channels, 1);
    assert.ok(Math.abs(wav.samples.length / 16_000 - file.duration) < 1e-9);
    const turns = parseRttm(await readFile(file.rttmPath, 'utf8'));
    assert.deepEqual(turns, corpus.get(file.id));
    const speakers = new Set(turns.map((t) => t.speaker));
    assert.ok(speakers.size >= 2 && speakers.size <= 3, `${speakers.size} speakers`);
    assert.ok(turns.every((t) => t.duration > 0 && t.start >= 0 && t.start + t.duration <= file.duration));
  }
});

test('a seed reproduces the corpus byte for byte', async () => {
  const again = await generateCorpus({ ...TINY, outDir: join(dir, 'b') });
  for (let i = 0; i < files.length; i++) {
    assert.deepEqual(await readFile(again[i]!.wavPath), await readFile(files[i]!.wavPath));
    assert.equal(await readFile(again[i]!.rttmPath, 'utf8'), await readFile(files[i]!.rttmPath, 'utf8'));
  }
});

test('offline baseline diarizes the tiny corpus (DER smoke run, collar 0.25)', async () => {
  const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
  try {
    const scorer = new DerAccumulator({ collar: 0.25 });
    for (const file of files) {
      const pcm = decodeWav(await readFile(file.wavPath)).samples;
      const hypothesis = await diarizeOffline(embedder, pcm);
      assert.ok(hypothesis.length > 0);
      scorer.add(file.turns, hypothesis);
    }
    assert.ok(scorer.components.total > 10);
    assert.ok(scorer.rate < 0.4, `corpus DER ${scorer.rate}`);
  } finally {
    await embedder.release();
  }
});
