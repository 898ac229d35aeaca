/**
 * Generates a synthetic multi-speaker conversation corpus (16 kHz WAV + RTTM) from Debian TTS voices.
 *   node --import tsx scripts/corpus/generate-corpus.ts --out /tmp/weir-dev --seed 1 --conversations 8
 * Needs the voices: bash scripts/corpus/install-voices
 */
import { parseArgs } from 'node:util';
import { generateCorpus } from '../../audio/corpus/generate-corpus.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/weir-dev-corpus' },
    seed: { type: 'string', default: '1' },
    conversations: { type: 'string', default: '8' },
    turns: { type: 'string', default: '12' },
  },
});

const started = Date.now();
const files = await generateCorpus({
  outDir: values.out,
  seed: Number(values.seed),
  conversations: Number(values.conversations),
  turns: Number(values.turns),
});
const seconds = files.reduce((sum, f) => sum + f.duration, 0);
for (const f of files) console.log(`${f.id}  ${f.duration.toFixed(1)} s  ${new Set(f.turns.map((t) => t.speaker)).size} speakers  ${f.turns.length} segments`);
console.log(`${files.length} files, ${(seconds / 60).toFixed(1)} min of audio in ${values.out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
