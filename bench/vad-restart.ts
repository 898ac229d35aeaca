/**
 * What a worker restart costs the WebRTC VAD's decisions without its saved state, and with it.
 *
 * For each clip (mode 3; 30 ms and 10 ms frames) the stream is taken over at the first frame of every whole
 * second by a new VAD that is either restored from a snapshot of the uninterrupted VAD, or fresh and warmed
 * up by re-feeding the last W frames of audio before the takeover point (W = 0 … 1000; only takeovers with
 * that much audio before them). Its decisions from the takeover on are compared with the uninterrupted
 * VAD's: how many takeovers differ at all, the share of differing frames, and the longest run until the
 * last difference.
 *   node --import tsx bench/vad-restart.ts [--wav a.wav --wav b.wav …]   (default: the VAD fixture clips)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeWav } from '../audio/wav.js';
import { WebRtcVadRuntime, vadFrameSamples, type VadFrameMs, type WebRtcVad } from '../audio/webrtc-vad.js';

const { values } = parseArgs({ options: { wav: { type: 'string', multiple: true } } });
const fixtures = ['vad/corpus-conv000-24-38s', 'vad/corpus-conv001-0-12s-noisy', 'speaker-kal-1', 'speaker-kal-2', 'speaker-slt-1'];
const paths = values.wav ?? fixtures.map((name) => fileURLToPath(new URL(`../test/fixtures/audio/${name}.wav`, import.meta.url)));
const clips = paths.map((path) => {
  const wav = decodeWav(readFileSync(path));
  if (wav.sampleRate !== 16_000 || wav.channels !== 1) throw new Error(`${path}: 16 kHz mono WAV expected`);
  return wav.samples;
});
const runtime = await WebRtcVadRuntime.load();

function decide(vad: WebRtcVad, pcm: Int16Array, n: number, from: number, to: number): boolean[] {
  const out: boolean[] = [];
  for (let f = from; f < to; f++) out.push(vad.isSpeech(pcm.subarray(f * n, (f + 1) * n)));
  return out;
}

interface Tally {
  takeovers: number;
  differing: number;
  frames: number;
  differingFrames: number;
  longest: number;
}

/** Compares the decisions after each takeover point with the uninterrupted ones. */
function measure(frameMs: VadFrameMs, takeOver: (pcm: Int16Array, at: number, snapshot: Uint8Array) => WebRtcVad | undefined): Tally {
  const n = vadFrameSamples(frameMs);
  const startsASecond = (f: number): boolean => f > 0 && Math.floor((f * frameMs) / 1000) !== Math.floor(((f - 1) * frameMs) / 1000);
  const tally: Tally = { takeovers: 0, differing: 0, frames: 0, differingFrames: 0, longest: 0 };
  for (const pcm of clips) {
    const total = Math.floor(pcm.length / n);
    const reference = runtime.create(3);
    const expected: boolean[] = [];
    const snapshots = new Map<number, Uint8Array>();
    for (let f = 0; f < total; f++) {
      if (startsASecond(f)) snapshots.set(f, reference.snapshot());
      expected.push(...decide(reference, pcm, n, f, f + 1));
    }
    reference.free();
    for (const [at, snapshot] of snapshots) {
      const vad = takeOver(pcm, at, snapshot);
      if (!vad) continue;
      const got = decide(vad, pcm, n, at, total);
      vad.free();
      let last = -1;
      got.forEach((decision, k) => {
        if (decision !== expected[at + k]) {
          tally.differingFrames++;
          last = k;
        }
      });
      tally.takeovers++;
      tally.frames += got.length;
      if (last >= 0) tally.differing++;
      tally.longest = Math.max(tally.longest, last + 1);
    }
  }
  return tally;
}

const report = (label: string, t: Tally, frameMs: number): void =>
  console.log(
    `  ${label.padEnd(26)} takeovers ${String(t.takeovers).padStart(3)}, with a difference ${String(t.differing).padStart(3)}, ` +
      `frames differing ${((100 * t.differingFrames) / Math.max(1, t.frames)).toFixed(2)} %, ` +
      `last difference up to ${t.longest} frames (${((t.longest * frameMs) / 1000).toFixed(1)} s) after the takeover`,
  );

console.log(`${clips.length} clips, ${(clips.reduce((s, p) => s + p.length, 0) / 16_000).toFixed(1)} s, mode 3, takeover at every whole second`);
for (const frameMs of [30, 10] as const) {
  console.log(`${frameMs} ms frames`);
  report('restored from snapshot', measure(frameMs, (_pcm, _at, snapshot) => runtime.restore(snapshot)), frameMs);
  for (const warmup of [0, 10, 33, 100, 333, 1000]) {
    const tally = measure(frameMs, (pcm, at) => {
      if (at < warmup) return undefined;
      const vad = runtime.create(3);
      decide(vad, pcm, vadFrameSamples(frameMs), at - warmup, at);
      return vad;
    });
    report(`fresh, ${warmup} frames re-fed`, tally, frameMs);
  }
}
