import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Interval } from '../der.js';
import { formatRttm, type SpeakerTurn } from '../rttm.js';
import { speechRegions } from '../speech-regions.js';
import { decodeWav, encodeWav } from '../wav.js';
import { planConversation, type ConversationShape, type PlannedTurn } from './conversation.js';
import { Prng } from './prng.js';
import { synthesize } from './voices.js';

const SAMPLE_RATE = 16_000;

export interface CorpusOptions extends Partial<ConversationShape> {
  outDir: string;
  seed: number;
  conversations: number;
  /** Synthesis processes run at once (default 2). */
  concurrency?: number;
}

export interface CorpusFile {
  id: string;
  wavPath: string;
  rttmPath: string;
  /** Seconds. */
  duration: number;
  turns: SpeakerTurn[];
}

const DEFAULT_SHAPE: ConversationShape = { minSpeakers: 2, maxSpeakers: 4, turns: 12, overlapProbability: 0.15, backchannelProbability: 0.15 };

/**
 * Writes `conversations` synthetic multi-speaker conversations as `<id>.wav` (16 kHz mono PCM)
 * and `<id>.rttm` (ground truth) into `outDir`, plus `corpus.rttm` with all of them.
 * The output is a function of the seed and the options (and the installed voice packages).
 *
 * @example
 * const files = await generateCorpus({ outDir: '/tmp/dev', seed: 1, conversations: 4 });
 */
export async function generateCorpus(options: CorpusOptions): Promise<CorpusFile[]> {
  const shape: ConversationShape = { ...DEFAULT_SHAPE, ...definedOnly(options) };
  const master = new Prng(options.seed);
  await mkdir(options.outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'weir-corpus-'));
  try {
    const files: CorpusFile[] = [];
    for (let c = 0; c < options.conversations; c++) {
      const rng = new Prng(master.int(2 ** 32));
      const id = `conv${String(c).padStart(3, '0')}`;
      const plan = planConversation(rng, shape);
      const clips = await pool(plan.turns, options.concurrency ?? 2, async (turn, i) => {
        const out = join(work, `${id}-${i}.wav`);
        await synthesize(turn.speaker.voice, turn.text, turn.speaker.variation, join(work, `${id}-${i}`), out);
        return decodeWav(await readFile(out)).samples;
      });
      files.push(await writeConversation(options.outDir, id, plan.turns, clips, rng));
    }
    await writeFile(join(options.outDir, 'corpus.rttm'), formatRttm(files.flatMap((f) => f.turns)));
    return files;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeConversation(outDir: string, id: string, turns: PlannedTurn[], clips: Int16Array[], rng: Prng): Promise<CorpusFile> {
  const placed = placeTurns(turns, clips);
  const length = Math.ceil((Math.max(...placed.map((p) => p.start + clips[p.index]!.length / SAMPLE_RATE)) + 0.5) * SAMPLE_RATE);
  const mix = new Float32Array(length);
  for (const p of placed) {
    const clip = clips[p.index]!;
    const gain = 10 ** (turns[p.index]!.speaker.gainDb / 20) / 32768;
    const offset = Math.round(p.start * SAMPLE_RATE);
    for (let i = 0; i < clip.length; i++) mix[offset + i] = mix[offset + i]! + clip[i]! * gain;
  }
  // A faint noise floor (-66 dBFS), so silence is not digital zero.
  for (let i = 0; i < mix.length; i++) mix[i] = mix[i]! + 0.0005 * rng.gaussian();
  let peak = 0;
  for (const x of mix) peak = Math.max(peak, Math.abs(x));
  const scale = peak > 0.89 ? 0.89 / peak : 1;
  const samples = Int16Array.from(mix, (x) => Math.max(-32768, Math.min(32767, Math.round(x * scale * 32767))));

  const speakerTurns: SpeakerTurn[] = placed
    .flatMap((p) => p.regions.map((r) => ({ file: id, start: round3(p.start + r.start), duration: round3(r.end - r.start), speaker: turns[p.index]!.speaker.label })))
    .sort((a, b) => a.start - b.start);
  const wavPath = join(outDir, `${id}.wav`);
  const rttmPath = join(outDir, `${id}.rttm`);
  await writeFile(wavPath, encodeWav({ sampleRate: SAMPLE_RATE, channels: 1, samples }));
  await writeFile(rttmPath, formatRttm(speakerTurns));
  return { id, wavPath, rttmPath, duration: samples.length / SAMPLE_RATE, turns: speakerTurns };
}

interface PlacedTurn {
  index: number;
  /** Where the clip starts in the conversation, seconds. */
  start: number;
  /** Speech within the clip, seconds from its start. */
  regions: Interval[];
}

/** Lays the clips on the timeline: main turns one after another, backchannels inside the previous turn. */
function placeTurns(turns: PlannedTurn[], clips: Int16Array[]): PlacedTurn[] {
  const placed: PlacedTurn[] = [];
  let previous: { start: number; end: number } = { start: 0, end: 0 };
  turns.forEach((turn, index) => {
    const regions = speechRegions(clips[index]!, { sampleRate: SAMPLE_RATE });
    if (regions.length === 0) return;
    const speechStart = regions[0]!.start;
    const speechEnd = regions[regions.length - 1]!.end;
    let at: number;
    if (turn.backchannel) {
      at = previous.start + turn.offset * (previous.end - previous.start);
    } else {
      // An overlap never starts before the previous turn itself did.
      at = Math.max(previous.end + turn.offset, previous.start + 0.5 * (previous.end - previous.start));
    }
    const start = Math.max(0, at - speechStart);
    placed.push({ index, start, regions });
    if (!turn.backchannel) previous = { start: start + speechStart, end: start + speechEnd };
  });
  return placed;
}

async function pool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

function definedOnly(options: Partial<ConversationShape>): Partial<ConversationShape> {
  const { minSpeakers, maxSpeakers, turns, overlapProbability, backchannelProbability } = options;
  return Object.fromEntries(Object.entries({ minSpeakers, maxSpeakers, turns, overlapProbability, backchannelProbability }).filter(([, v]) => v !== undefined));
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
