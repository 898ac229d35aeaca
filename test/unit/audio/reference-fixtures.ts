import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../../../audio/wav.js';

/** Reference values from scripts/models/make_reference_fixtures.py (librosa + Resemblyzer). */
export interface ReferenceInput {
  name: string;
  samples: number;
  melFrames: number;
  volumeGain: number;
  embedding: number[];
  partialCount: number;
  partialStarts: number[];
}

export interface FrontendReference {
  sampleRate: number;
  melBands: number;
  inputs: ReferenceInput[];
  partialSlices: { samples: number; melStarts: number[] }[];
}

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../../fixtures/audio/${name}`, import.meta.url));

export const frontendReference = JSON.parse(readFileSync(fixturePath('frontend-reference.json'), 'utf8')) as FrontendReference;

export function referenceInput(name: string): ReferenceInput {
  const input = frontendReference.inputs.find((i) => i.name === name);
  if (!input) throw new Error(`no reference input ${name}`);
  return input;
}

export function readFixturePcm(name: string): Int16Array {
  const wav = decodeWav(readFileSync(fixturePath(`${name}.wav`)));
  if (wav.sampleRate !== 16_000 || wav.channels !== 1) throw new Error(`${name}.wav is not 16 kHz mono`);
  return wav.samples;
}

export function readReferenceMel(name: string): Float32Array {
  const bytes = readFileSync(fixturePath(`mel-${name}.f32`));
  const copy = new Uint8Array(bytes); // aligned copy for the Float32Array view
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}
