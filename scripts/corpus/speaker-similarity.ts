/**
 * Same-speaker vs different-speaker cosine similarity of 1.5 s embeddings on a generated corpus:
 * windows cut from single-speaker stretches of the reference, compared within each conversation.
 *   node --import tsx scripts/corpus/speaker-similarity.ts --corpus /tmp/weir-dev-corpus
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cosineSimilarity } from '../../audio/cosine-similarity.js';
import { groupByFile, parseRttm } from '../../audio/rttm.js';
import { SpeakerEmbedder } from '../../audio/speaker-embedder.js';
import { decodeWav } from '../../audio/wav.js';

const { values } = parseArgs({ options: { corpus: { type: 'string', default: '/tmp/weir-dev-corpus' }, window: { type: 'string', default: '1.5' } } });
const window = Number(values.window);
const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
const same: number[] = [];
const different: number[] = [];

for (const [file, turns] of groupByFile(parseRttm(await readFile(join(values.corpus, 'corpus.rttm'), 'utf8')))) {
  const pcm = decodeWav(await readFile(join(values.corpus, `${file}.wav`))).samples;
  const windows: { speaker: string; embedding: Float32Array }[] = [];
  for (const turn of turns) {
    const others = turns.filter((t) => t !== turn);
    for (let start = turn.start; start + window <= turn.start + turn.duration; start += window) {
      const overlapped = others.some((o) => o.start < start + window && o.start + o.duration > start);
      if (overlapped) continue;
      const samples = pcm.subarray(Math.round(start * 16_000), Math.round((start + window) * 16_000));
      windows.push({ speaker: turn.speaker, embedding: await embedder.embed(samples) });
    }
  }
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const similarity = cosineSimilarity(windows[i]!.embedding, windows[j]!.embedding);
      (windows[i]!.speaker === windows[j]!.speaker ? same : different).push(similarity);
    }
  }
}
await embedder.release();

const describe = (name: string, xs: number[]): string => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
  return `${name}: n=${xs.length} mean ${mean.toFixed(3)} std ${std.toFixed(3)} min ${Math.min(...xs).toFixed(3)} max ${Math.max(...xs).toFixed(3)}`;
};
console.log(describe('same speaker     ', same));
console.log(describe('different speaker', different));
