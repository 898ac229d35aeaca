import { readFileSync } from 'node:fs';
import type { SpeechSegment } from '../../../audio/speech-collector.js';
import { decodeWav } from '../../../audio/wav.js';
import type { VadFrameMs, VadMode } from '../../../audio/webrtc-vad.js';
import { fixturePath } from './reference-fixtures.js';

/** Reference decisions and segments from scripts/fixtures/make_vad_fixtures.py (PyPI webrtcvad 2.0.10). */
export interface VadReferenceClip {
  name: string;
  /** Under test/fixtures/audio/. */
  file: string;
  samples: number;
  /** By `mode<m>-<frame>ms`: one '0'/'1' per complete frame. */
  decisions: Record<string, string>;
  /** The reference collector's segments, [startSample, endSample). */
  segments: Record<string, [number, number][]>;
  /** The same, merged across gaps below mergeGapMs. */
  merged: Record<string, [number, number][]>;
}

export interface VadReference {
  source: string;
  sampleRate: number;
  paddingMs: number;
  mergeGapMs: number;
  clips: VadReferenceClip[];
}

export const vadReference = JSON.parse(readFileSync(fixturePath('vad/vad-reference.json'), 'utf8')) as VadReference;

export const referenceKey = (mode: VadMode, frameMs: VadFrameMs): string => `mode${mode}-${frameMs}ms`;

const pcmCache = new Map<string, Int16Array>();

export function clipPcm(clip: VadReferenceClip): Int16Array {
  let pcm = pcmCache.get(clip.file);
  if (!pcm) {
    const wav = decodeWav(readFileSync(fixturePath(clip.file)));
    if (wav.sampleRate !== 16_000 || wav.channels !== 1) throw new Error(`${clip.file} is not 16 kHz mono`);
    if (wav.samples.length !== clip.samples) throw new Error(`${clip.file} has ${wav.samples.length} samples, the reference ${clip.samples}`);
    pcm = wav.samples;
    pcmCache.set(clip.file, pcm);
  }
  return pcm;
}

export function referenceClip(name: string): VadReferenceClip {
  const clip = vadReference.clips.find((c) => c.name === name);
  if (!clip) throw new Error(`no VAD reference clip ${name}`);
  return clip;
}

/** Segments as the fixtures write them: [startSample, endSample). */
export const bounds = (segments: SpeechSegment[]): [number, number][] => segments.map((s) => [s.startSample, s.endSample]);
