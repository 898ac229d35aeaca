import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Language } from './sentences.js';

const run = promisify(execFile);

/** A text-to-speech voice from Debian's packages (scripts/corpus/install-voices installs them). */
export interface Voice {
  id: string;
  engine: 'festival' | 'flite' | 'espeak-ng';
  /** Engine-specific voice name: festival voice function suffix, flite voice, espeak-ng voice+variant. */
  name: string;
  language: Language;
}

const festival = (name: string, language: Language): Voice => ({ id: `festival-${name}`, engine: 'festival', name, language });
const flite = (name: string): Voice => ({ id: `flite-${name}`, engine: 'flite', name, language: 'en' });
const espeak = (name: string): Voice => ({ id: `espeak-${name.replace('+', '-')}`, engine: 'espeak-ng', name, language: 'en' });

/**
 * The voice catalogue. festvox-ru is left out: its front-end rejects UTF-8 and KOI8-R text alike.
 * espeak-ng's formant voices differ mostly by variant (pitch, formants, breathiness).
 */
export const VOICES: readonly Voice[] = [
  festival('kal_diphone', 'en'),
  festival('ked_diphone', 'en'),
  festival('cmu_us_slt_arctic_hts', 'en'),
  festival('czech_dita', 'cs'),
  festival('czech_machac', 'cs'),
  festival('czech_krb', 'cs'),
  festival('czech_ph', 'cs'),
  festival('lp_diphone', 'it'),
  festival('pc_diphone', 'it'),
  festival('hy_fi_mv_diphone', 'fi'),
  festival('suo_fi_lj_diphone', 'fi'),
  festival('upc_ca_ona_hts', 'ca'),
  flite('awb'),
  flite('rms'),
  flite('slt'),
  flite('kal16'),
  espeak('en-us+m3'),
  espeak('en-gb+f2'),
  espeak('en-gb-scotland+m7'),
  espeak('en-029+f4'),
  espeak('en-gb-x-rp+croak'),
  espeak('en-us+klatt3'),
];

export interface Variation {
  /** Pitch shift in cents (sox `pitch`). */
  pitchCents: number;
  /** Speaking-rate factor (sox `tempo -s`). */
  tempo: number;
}

/**
 * Speaks `text` with `voice`, applies `variation`, and writes 16 kHz mono 16-bit PCM to `outPath`.
 * `workPath` is a scratch file for the engine's own output.
 */
export async function synthesize(voice: Voice, text: string, variation: Variation, workPath: string, outPath: string): Promise<void> {
  const raw = `${workPath}.raw.wav`;
  switch (voice.engine) {
    case 'festival': {
      const textPath = `${workPath}.txt`;
      await writeFile(textPath, text, 'latin1');
      await run('text2wave', ['-eval', `(voice_${voice.name})`, '-o', raw, textPath]);
      break;
    }
    case 'flite':
      await run('flite', ['-voice', voice.name, '-t', text, '-o', raw]);
      break;
    case 'espeak-ng':
      await run('espeak-ng', ['-v', voice.name, '-w', raw, text]);
      break;
  }
  // -D: no dither, so that output is a pure function of the input; -R: repeatable mode.
  await run('sox', ['-D', '-R', raw, '-r', '16000', '-c', '1', '-b', '16', outPath,
    'pitch', variation.pitchCents.toFixed(0), 'tempo', '-s', variation.tempo.toFixed(3)]);
}

/** Names of the binaries a corpus needs that are not on PATH. */
export async function missingBinaries(): Promise<string[]> {
  const missing: string[] = [];
  for (const binary of ['sox', 'text2wave', 'flite', 'espeak-ng']) {
    try {
      await run('sh', ['-c', `command -v ${binary}`]);
    } catch {
      missing.push(binary);
    }
  }
  return missing;
}
