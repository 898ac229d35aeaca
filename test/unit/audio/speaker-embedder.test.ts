import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SPEAKER_EMBEDDING_MODEL } from '../../../models/speaker-embedding.js';
import { RESEMBLYZER } from '../../../audio/resemblyzer-params.js';
import { cosineSimilarity } from '../../../audio/cosine-similarity.js';
import { SpeakerEmbedder } from '../../../audio/speaker-embedder.js';
import { frontendReference, readFixturePcm } from './reference-fixtures.js';

let embedder: SpeakerEmbedder;
before(async () => {
  embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1, maxBatch: 3 });
});
after(async () => {
  await embedder.release();
});

test('committed model file and its declared contract agree with the front-end', () => {
  const digest = createHash('sha256').update(readFileSync(SPEAKER_EMBEDDING_MODEL.path)).digest('hex');
  assert.equal(digest, SPEAKER_EMBEDDING_MODEL.sha256);
  assert.equal(SPEAKER_EMBEDDING_MODEL.input.frames, RESEMBLYZER.partialFrames);
  assert.equal(SPEAKER_EMBEDDING_MODEL.input.bands, RESEMBLYZER.melBands);
  assert.equal(SPEAKER_EMBEDDING_MODEL.output.size, RESEMBLYZER.embeddingSize);
});

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('embedding has 256 non-negative components and unit norm', async () => {
  const embedding = await embedder.embed(readFixturePcm('speaker-kal-1'));
  assert.equal(embedding.length, 256);
  assert.ok(Math.abs(norm(embedding) - 1) < 1e-6);
  assert.ok(embedding.every((x) => x >= 0));
});

for (const input of frontendReference.inputs) {
  test(`TS front-end + ONNX matches Resemblyzer's PyTorch embedding for ${input.name}`, async () => {
    const embedding = await embedder.embed(readFixturePcm(input.name));
    const cosine = cosineSimilarity(embedding, input.embedding);
    assert.ok(cosine >= 0.9999, `cosine ${cosine}`);
  });
}

test('same speaker is closer than different speakers', async () => {
  const kal1 = await embedder.embed(readFixturePcm('speaker-kal-1'));
  const kal2 = await embedder.embed(readFixturePcm('speaker-kal-2'));
  const slt = await embedder.embed(readFixturePcm('speaker-slt-1'));
  const same = cosineSimilarity(kal1, kal2);
  assert.ok(same > 0.85, `same speaker ${same}`);
  assert.ok(same - cosineSimilarity(kal1, slt) > 0.2);
  assert.ok(same - cosineSimilarity(kal2, slt) > 0.2);
});

test('reuses buffers: repeated and concurrent calls give identical results', async () => {
  const pcm = readFixturePcm('speaker-slt-1');
  const short = pcm.subarray(0, 16_000);
  const [a, b, c] = await Promise.all([embedder.embed(pcm), embedder.embed(short), embedder.embed(pcm)]);
  assert.deepEqual(a, c);
  assert.ok(cosineSimilarity(a!, b!) < 0.9999);
  const out = new Float32Array(256);
  assert.equal(await embedder.embed(short, out), out);
  assert.deepEqual(out, b);
  await assert.rejects(embedder.embed(new Int16Array(0)), RangeError);
});
