/**
 * Grid search of the streaming diarizer's parameters on tuning corpora (seeds 1 and 2 only; keep
 * held-out seeds out of it). Window embeddings are cached by content, so the clustering
 * parameters sweep at the cost of one embedding pass per window layout.
 *   nice -n 15 node --import tsx scripts/corpus/streaming-sweep.ts --corpora /tmp/dev1,/tmp/dev2 \
 *     --delta-new 0.15,0.16 --delta-new-single 0.2,0.25 [--tau-active 1.25] [--rho-update 1.4] [--new-speaker-windows 1,2] [--step 0.5] [--window-steps 3]
 * Every option takes a comma-separated list; the grid is their product.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DerAccumulator } from '../../audio/der.js';
import { SpeakerEmbedder } from '../../audio/speaker-embedder.js';
import { DEFAULT_STREAMING_DIARIZER, type EmbedFunction, type StreamingDiarizerParams } from '../../audio/streaming-diarizer.js';
import { loadCorpus, runStream, speechChunks } from './corpus-streams.js';

const d = DEFAULT_STREAMING_DIARIZER;
const dc = d.clustering;
const { values } = parseArgs({
  options: {
    corpora: { type: 'string', default: '/tmp/weir-dev-corpus' },
    collar: { type: 'string', default: '0.5' },
    chunk: { type: 'string', default: '1' },
    step: { type: 'string', default: String(d.step) },
    'window-steps': { type: 'string', default: String(d.windowSteps) },
    'tau-active': { type: 'string', default: String(dc.tauActive) },
    'rho-update': { type: 'string', default: String(dc.rhoUpdate) },
    'delta-new': { type: 'string', default: String(dc.deltaNew) },
    'delta-new-single': { type: 'string', default: String(dc.deltaNewSingle) },
    'new-speaker-windows': { type: 'string', default: String(dc.newSpeakerWindows) },
    'max-speakers': { type: 'string', default: String(dc.maxSpeakers) },
  },
});
const list = (s: string): number[] => s.split(',').map(Number);

const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
const cache = new Map<string, Float32Array>();
const embed: EmbedFunction = async (pcm) => {
  const key = createHash('sha1').update(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)).digest('hex');
  let e = cache.get(key);
  if (!e) {
    e = await embedder.embed(pcm);
    cache.set(key, e);
  }
  return e;
};

const corpora = await Promise.all(values.corpora.split(',').map(async (dir) => ({ conversations: await loadCorpus(dir) })));
const grid: StreamingDiarizerParams[] = [];
for (const step of list(values.step))
  for (const windowSteps of list(values['window-steps']))
    for (const tauActive of list(values['tau-active']))
      for (const rhoUpdate of list(values['rho-update']))
        for (const deltaNew of list(values['delta-new']))
          for (const deltaNewSingle of list(values['delta-new-single']))
            for (const newSpeakerWindows of list(values['new-speaker-windows']))
              for (const maxSpeakers of list(values['max-speakers'])) {
                if (rhoUpdate < tauActive || deltaNewSingle < deltaNew) continue;
                grid.push({ ...d, step, windowSteps, clustering: { ...dc, tauActive, rhoUpdate, deltaNew, deltaNewSingle, newSpeakerWindows, maxSpeakers } });
              }

const pct = (x: number): string => `${(100 * x).toFixed(2)}`.padStart(6);
console.log(`collar ${values.collar}, chunks of ${values.chunk} s; per corpus: final / first-emitted DER %`);
const results: { mean: number; line: string }[] = [];
for (const params of grid) {
  const p = params.clustering;
  const label = `step ${params.step} win ${params.windowSteps} tau ${p.tauActive} rho ${p.rhoUpdate} delta ${p.deltaNew}..${p.deltaNewSingle} confirm ${p.newSpeakerWindows} max ${p.maxSpeakers}`;
  const cells: string[] = [];
  let sum = 0;
  for (const { conversations } of corpora) {
    const final = new DerAccumulator({ collar: Number(values.collar) });
    const first = new DerAccumulator({ collar: Number(values.collar) });
    for (const c of conversations) {
      const run = await runStream(speechChunks(c.pcm, Number(values.chunk)), embed, params);
      final.add(c.reference, run.final);
      first.add(c.reference, run.firstEmitted);
    }
    cells.push(`${pct(final.rate)} /${pct(first.rate)}`);
    sum += final.rate;
  }
  const line = `${label.padEnd(66)} ${cells.join('   ')}   mean ${pct(sum / corpora.length)}`;
  console.log(line);
  results.push({ mean: sum / corpora.length, line });
}
await embedder.release();
console.log('\nbest five by mean final DER:');
for (const r of results.sort((a, b) => a.mean - b.mean).slice(0, 5)) console.log(r.line);
